package dev.treecast.loadtest.dsl;

import dev.treecast.loadtest.model.Step;

/** Something {@link ScenarioBuilder#exec} accepts: a complete step (a pause, or a watch with its duration). */
public sealed interface StepBuilder permits PauseStep, WatchStep {
    /** The step this builder stands for. */
    Step step();
}
