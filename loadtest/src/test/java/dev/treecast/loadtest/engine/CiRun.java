package dev.treecast.loadtest.engine;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static java.time.Duration.ofSeconds;

import dev.treecast.loadtest.dsl.Simulation;
import dev.treecast.loadtest.model.ViewerTransport;

/**
 * The small real run CI makes: 30 viewers (half browser-like over WebTransport through the director, half over
 * treecast/1 QUIC) for 20 s on an ingest + 2 + 4 relay tree playing the built-in clip; a leaf relay with viewers
 * on it is killed (its viewers must reconnect elsewhere), then a relay that feeds others (its children must
 * repair), without losing an object.
 */
public final class CiRun extends Simulation {
    {
        setUp(scenario("browsers").exec(watch("demo").forDuration(ofSeconds(17)))
                        .injectOpen(rampUsers(15).during(ofSeconds(3))),
                scenario("apps").exec(watch("demo").forDuration(ofSeconds(17)).over(ViewerTransport.QUIC))
                        .injectOpen(rampUsers(15).during(ofSeconds(3))))
                .target(inProcessCluster().levels(2, 4).replaceKilled(false))
                .chaos(killRelay(leafRelay()).at(ofSeconds(7)),
                        killRelay(relayWithChildren()).at(ofSeconds(13)))
                .maxDuration(ofSeconds(22))
                .assertions(
                        lostObjects().is(0),
                        duplicateObjects().is(0),
                        failedViewers().is(0),
                        startup().percentile(95).lt(5000),
                        reconnects().max().lt(3000));
    }
}
