package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.SimulationSpec;

/** The set-up of a run against an in-process cluster, which chaos steps can break. */
public final class ClusterSetUp {
    private final Simulation owner;
    private final SimulationSpec spec;

    ClusterSetUp(Simulation owner, SimulationSpec spec) {
        this.owner = owner;
        this.spec = spec;
    }

    /** Faults on the run's timeline (added to any given before). */
    public ClusterSetUp chaos(ChaosStep... steps) {
        SimulationSpec next = SpecEdits.plusChaos(spec, steps);
        return owner.advance(spec, next, new ClusterSetUp(owner, next));
    }

    /** Stop the run (and the viewers still watching) after {@code max}. */
    public ClusterSetUp maxDuration(Duration max) {
        SimulationSpec next = SpecEdits.withMaxDuration(spec, max);
        return owner.advance(spec, next, new ClusterSetUp(owner, next));
    }

    /** Stop the run after {@code seconds} seconds. */
    public ClusterSetUp maxDuration(long seconds) {
        return maxDuration(Duration.ofSeconds(seconds));
    }

    /** Conditions the run must meet (added to any given before). */
    public ClusterSetUp assertions(AssertionSpec... assertions) {
        SimulationSpec next = SpecEdits.plusAssertions(spec, assertions);
        return owner.advance(spec, next, new ClusterSetUp(owner, next));
    }
}
