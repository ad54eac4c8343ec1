package dev.treecast.loadtest.dsl;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.treecast.loadtest.model.Injection;
import dev.treecast.loadtest.model.Population;
import dev.treecast.loadtest.model.ScenarioSpec;

/** What every viewer of a population does, from {@link LoadDsl#scenario(String)}. Each method returns a new builder. */
public final class ScenarioBuilder {
    private final String name;
    private final List<StepBuilder> steps;

    ScenarioBuilder(String name, List<StepBuilder> steps) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a scenario needs a name");
        }
        this.name = name;
        this.steps = List.copyOf(steps);
    }

    /** Append these steps, in order. */
    public ScenarioBuilder exec(StepBuilder... more) {
        List<StepBuilder> all = new ArrayList<>(steps);
        for (StepBuilder step : more) {
            all.add(Objects.requireNonNull(step, "step"));
        }
        return new ScenarioBuilder(name, all);
    }

    /** Viewers arrive whatever the system does: these steps, one after the other. */
    public Population injectOpen(Injection.Open first, Injection.Open... rest) {
        return new Population.Open(spec(), concat(first, rest));
    }

    /** A given number of viewers watch at once (a leaving viewer is replaced): these steps, one after the other. */
    public Population injectClosed(Injection.Closed first, Injection.Closed... rest) {
        return new Population.Closed(spec(), concat(first, rest));
    }

    /** The scenario as built so far (fails when it never watches anything). */
    public ScenarioSpec spec() {
        return new ScenarioSpec(name, steps.stream().map(StepBuilder::step).toList());
    }

    @SafeVarargs
    private static <T> List<T> concat(T first, T... rest) {
        List<T> all = new ArrayList<>(1 + rest.length);
        all.add(Objects.requireNonNull(first, "injection step"));
        for (T t : rest) {
            all.add(Objects.requireNonNull(t, "injection step"));
        }
        return all;
    }
}
