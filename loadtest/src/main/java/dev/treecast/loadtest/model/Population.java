package dev.treecast.loadtest.model;

import java.util.List;

/** A scenario and how its viewers arrive: open steps or closed steps, never both (the DSL's types ensure it). */
public sealed interface Population {
    ScenarioSpec scenario();

    record Open(ScenarioSpec scenario, List<Injection.Open> steps) implements Population {
        public Open {
            steps = List.copyOf(steps);
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("population '" + scenario.name() + "' has no injection step");
            }
        }
    }

    record Closed(ScenarioSpec scenario, List<Injection.Closed> steps) implements Population {
        public Closed {
            steps = List.copyOf(steps);
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("population '" + scenario.name() + "' has no injection step");
            }
        }
    }
}
