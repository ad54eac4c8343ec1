package dev.treecast.loadtest.model;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A whole load test: who watches (populations), where (target), what breaks (chaos) and what must hold
 * (assertions). {@code maxDuration} bounds the run: viewers still watching then are stopped (null: the injection
 * profile's length plus the longest scenario).
 */
public record SimulationSpec(String name, List<Population> populations, Target target, List<ChaosSpec> chaos,
                             List<AssertionSpec> assertions, Duration maxDuration) {
    public SimulationSpec {
        Objects.requireNonNull(name, "name");
        populations = List.copyOf(populations);
        if (populations.isEmpty()) {
            throw new IllegalArgumentException("a simulation needs at least one population");
        }
        Objects.requireNonNull(target, "target");
        chaos = List.copyOf(chaos);
        assertions = List.copyOf(assertions);
        if (!chaos.isEmpty() && !(target instanceof Target.InProcess)) {
            throw new IllegalArgumentException("chaos steps need an in-process cluster: a fleet's relays are not"
                    + " this process's to kill");
        }
        if (maxDuration != null && (maxDuration.isNegative() || maxDuration.isZero())) {
            throw new IllegalArgumentException("max duration must be positive, got " + maxDuration);
        }
    }
}
