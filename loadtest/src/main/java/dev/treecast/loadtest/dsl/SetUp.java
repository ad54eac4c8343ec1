package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.SimulationSpec;

/**
 * The set-up before a target is chosen: the run uses the default in-process cluster unless {@link #target} says
 * otherwise. Choose the target first; chaos fixes it to an in-process cluster.
 */
public final class SetUp {
    private final Simulation owner;
    private final SimulationSpec spec;

    SetUp(Simulation owner, SimulationSpec spec) {
        this.owner = owner;
        this.spec = spec;
    }

    /** Run against a cluster started in this process (which chaos steps can break). */
    public ClusterSetUp target(InProcessClusterBuilder cluster) {
        SimulationSpec next = SpecEdits.withTarget(spec, cluster.target());
        return owner.advance(spec, next, new ClusterSetUp(owner, next));
    }

    /** Run against a fleet running elsewhere (no chaos: its relays are not this process's to kill). */
    public FleetSetUp target(FleetBuilder fleet) {
        SimulationSpec next = SpecEdits.withTarget(spec, fleet.target());
        return owner.advance(spec, next, new FleetSetUp(owner, next));
    }

    /** Faults on the default in-process cluster's timeline. */
    public ClusterSetUp chaos(ChaosStep... steps) {
        SimulationSpec next = SpecEdits.plusChaos(spec, steps);
        return owner.advance(spec, next, new ClusterSetUp(owner, next));
    }

    /** Stop the run (and the viewers still watching) after {@code max}. */
    public SetUp maxDuration(Duration max) {
        SimulationSpec next = SpecEdits.withMaxDuration(spec, max);
        return owner.advance(spec, next, new SetUp(owner, next));
    }

    /** Stop the run after {@code seconds} seconds. */
    public SetUp maxDuration(long seconds) {
        return maxDuration(Duration.ofSeconds(seconds));
    }

    /** Conditions the run must meet (added to any given before). */
    public SetUp assertions(AssertionSpec... assertions) {
        SimulationSpec next = SpecEdits.plusAssertions(spec, assertions);
        return owner.advance(spec, next, new SetUp(owner, next));
    }
}
