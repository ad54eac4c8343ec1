package dev.treecast.loadtest.dsl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.treecast.loadtest.model.Population;
import dev.treecast.loadtest.model.SimulationSpec;

/**
 * A load test written with {@link LoadDsl}. As in Gatling, a subclass calls {@link #setUp} once, from an instance
 * initializer or its constructor, and chains the rest on what it returns:
 *
 * <pre>{@code
 * public final class Smoke extends Simulation {
 *     {
 *         setUp(scenario("fans").exec(watch("demo").forDuration(30)).injectOpen(rampUsers(100).during(10)))
 *                 .target(inProcessCluster().levels(2, 4))
 *                 .assertions(failedViewers().is(0));
 *     }
 * }
 * }</pre>
 *
 * The set-up builders are immutable, but each one records itself here as the chain's latest state, so
 * {@link #spec()} sees the whole chain although nobody keeps its last value.
 */
public abstract class Simulation {
    private SimulationSpec current;

    protected Simulation() {
    }

    /**
     * Who watches: every population of the run, in one call (each from
     * {@link ScenarioBuilder#injectOpen}/{@link ScenarioBuilder#injectClosed}). Without a target the run starts the
     * default in-process cluster ({@link LoadDsl#inProcessCluster()}).
     *
     * @throws IllegalStateException when called a second time
     */
    protected final SetUp setUp(Population first, Population... rest) {
        if (current != null) {
            throw new IllegalStateException(name() + ": setUp(...) was already called; a simulation has one set-up,"
                    + " so pass all its populations to that one call");
        }
        List<Population> populations = new ArrayList<>(1 + rest.length);
        populations.add(Objects.requireNonNull(first, "population"));
        for (Population p : rest) {
            populations.add(Objects.requireNonNull(p, "population"));
        }
        Set<String> names = new HashSet<>();
        for (Population p : populations) {
            if (!names.add(p.scenario().name())) {
                throw new IllegalArgumentException(name() + ": two populations use the scenario name '"
                        + p.scenario().name() + "'; names must be unique so the report can tell them apart");
            }
        }
        SimulationSpec spec = new SimulationSpec(name(), populations, InProcessClusterBuilder.DEFAULT, List.of(),
                List.of(), null);
        current = spec;
        return new SetUp(this, spec);
    }

    /**
     * The load test as the set-up chain left it.
     *
     * @throws IllegalStateException when {@link #setUp} was never called
     */
    public final SimulationSpec spec() {
        if (current == null) {
            throw new IllegalStateException(name() + " never called setUp(...): call it from an instance initializer"
                    + " or the constructor, e.g. { setUp(scenario(\"fans\").exec(watch(\"demo\").forDuration(30))"
                    + ".injectOpen(atOnceUsers(10))); }");
        }
        return current;
    }

    /** The simulation's name: the class's simple name. */
    public final String name() {
        String simple = getClass().getSimpleName();
        if (!simple.isEmpty()) {
            return simple;
        }
        String full = getClass().getName(); // anonymous class: e.g. Outer$1
        return full.substring(full.lastIndexOf('.') + 1);
    }

    /**
     * Moves the chain from {@code from} to {@code to}. A chain that forks (two calls on the same set-up value) would
     * silently drop one branch, so it fails instead.
     */
    final <T> T advance(SimulationSpec from, SimulationSpec to, T next) {
        if (current != from) {
            throw new IllegalStateException(name() + ": the set-up chain was forked; chain every call on the value"
                    + " the previous call returned, e.g. setUp(...).target(...).assertions(...)");
        }
        current = to;
        return next;
    }
}
