package dev.treecast.loadtest.model;

import java.util.List;

/** What every viewer of a population does, step by step. */
public record ScenarioSpec(String name, List<Step> steps) {
    public ScenarioSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a scenario needs a name");
        }
        steps = List.copyOf(steps);
        if (steps.stream().noneMatch(s -> s instanceof Step.Watch)) {
            throw new IllegalArgumentException("scenario '" + name + "' never watches anything");
        }
    }
}
