package dev.treecast.loadtest.simulations;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static java.time.Duration.ofMinutes;

import dev.treecast.loadtest.dsl.Simulation;

/**
 * Ten minutes at a steady 500 viewers (a closed workload: each viewer watches 2 minutes and is replaced at once when
 * they leave), on an in-process ingest + 2 + 4 relay tree playing the built-in clip, no chaos: for leaks and drift.
 */
public final class Soak extends Simulation {
    {
        setUp(scenario("regulars").exec(watch("demo").forDuration(ofMinutes(2)))
                .injectClosed(constantConcurrentUsers(500).during(ofMinutes(10))))
                .target(inProcessCluster().levels(2, 4))
                .assertions(
                        global().latency().percentile(99).lt(500),
                        stalls().ratio().lt(0.001),
                        lostObjects().is(0),
                        failedViewers().is(0));
    }
}
