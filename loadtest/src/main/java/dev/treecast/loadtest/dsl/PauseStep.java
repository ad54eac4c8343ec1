package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.Step;

/** Think time, from {@link LoadDsl#pause(Duration, Duration)}. */
public final class PauseStep implements StepBuilder {
    private final Step.Pause pause;

    PauseStep(Duration min, Duration max) {
        this.pause = new Step.Pause(min, max);
    }

    @Override
    public Step.Pause step() {
        return pause;
    }

    @Override
    public String toString() {
        return pause.toString();
    }
}
