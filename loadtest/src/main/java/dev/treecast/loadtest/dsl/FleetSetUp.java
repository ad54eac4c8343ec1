package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.SimulationSpec;

/** The set-up of a run against a fleet running elsewhere: no chaos, its relays are not this process's to kill. */
public final class FleetSetUp {
    private final Simulation owner;
    private final SimulationSpec spec;

    FleetSetUp(Simulation owner, SimulationSpec spec) {
        this.owner = owner;
        this.spec = spec;
    }

    /** Stop the run (and the viewers still watching) after {@code max}. */
    public FleetSetUp maxDuration(Duration max) {
        SimulationSpec next = SpecEdits.withMaxDuration(spec, max);
        return owner.advance(spec, next, new FleetSetUp(owner, next));
    }

    /** Stop the run after {@code seconds} seconds. */
    public FleetSetUp maxDuration(long seconds) {
        return maxDuration(Duration.ofSeconds(seconds));
    }

    /** Conditions the run must meet (added to any given before). */
    public FleetSetUp assertions(AssertionSpec... assertions) {
        SimulationSpec next = SpecEdits.plusAssertions(spec, assertions);
        return owner.advance(spec, next, new FleetSetUp(owner, next));
    }
}
