package dev.treecast.loadtest.dsl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.ChaosSpec;
import dev.treecast.loadtest.model.SimulationSpec;
import dev.treecast.loadtest.model.Target;

/** Copies of a {@link SimulationSpec} with one part changed, shared by the set-up builders. */
final class SpecEdits {
    private SpecEdits() {
    }

    static SimulationSpec withTarget(SimulationSpec s, Target target) {
        return new SimulationSpec(s.name(), s.populations(), target, s.chaos(), s.assertions(), s.maxDuration());
    }

    static SimulationSpec plusChaos(SimulationSpec s, ChaosStep... steps) {
        List<ChaosSpec> chaos = new ArrayList<>(s.chaos());
        for (ChaosStep step : steps) {
            chaos.add(Objects.requireNonNull(step, "chaos step").spec());
        }
        return new SimulationSpec(s.name(), s.populations(), s.target(), chaos, s.assertions(), s.maxDuration());
    }

    static SimulationSpec plusAssertions(SimulationSpec s, AssertionSpec... assertions) {
        List<AssertionSpec> all = new ArrayList<>(s.assertions());
        for (AssertionSpec a : assertions) {
            all.add(Objects.requireNonNull(a, "assertion"));
        }
        return new SimulationSpec(s.name(), s.populations(), s.target(), s.chaos(), all, s.maxDuration());
    }

    static SimulationSpec withMaxDuration(SimulationSpec s, Duration max) {
        if (max == null) {
            throw new IllegalArgumentException("max duration must be positive, got null");
        }
        return new SimulationSpec(s.name(), s.populations(), s.target(), s.chaos(), s.assertions(), max);
    }
}
