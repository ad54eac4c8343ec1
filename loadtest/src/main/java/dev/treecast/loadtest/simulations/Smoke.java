package dev.treecast.loadtest.simulations;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static java.time.Duration.ofSeconds;

import dev.treecast.loadtest.dsl.Simulation;

/**
 * A quick health check: 50 browser-like viewers (WebTransport, through the director) over 10 s, each watching for
 * 20 s, on an in-process ingest + 2 + 4 relay tree playing the built-in clip; one relay that feeds others is
 * killed a third of the way in. About 30 s.
 */
public final class Smoke extends Simulation {
    {
        setUp(scenario("fans").exec(watch("demo").forDuration(ofSeconds(20)))
                .injectOpen(rampUsers(50).during(ofSeconds(10))))
                .target(inProcessCluster().levels(2, 4))
                .chaos(killRelay(relayWithChildren()).at(ofSeconds(12)))
                .assertions(
                        global().latency().percentile(99).lt(500),
                        startup().percentile(95).lt(2000),
                        stalls().ratio().lt(0.01),
                        lostObjects().is(0),
                        duplicateObjects().is(0),
                        failedViewers().is(0));
    }
}
