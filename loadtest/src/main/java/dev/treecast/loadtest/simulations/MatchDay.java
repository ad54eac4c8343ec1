package dev.treecast.loadtest.simulations;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;

import dev.treecast.loadtest.dsl.Simulation;

/**
 * Kick-off: viewers arrive faster and faster until 2,000 watch at once (half over WebTransport through the
 * director, half over treecast/1 QUIC), on an in-process ingest + 3 + 9 relay tree playing the built-in clip,
 * while a random relay is killed every 20 s (and replaced). About 3 minutes. Needs a machine with a few cores: on
 * two cores the viewers and the relays compete for the same CPU.
 */
public final class MatchDay extends Simulation {
    {
        setUp(scenario("browsers").exec(pause(ofSeconds(0), ofSeconds(5)),
                                watch("demo").forDuration(ofSeconds(150)))
                        .injectOpen(rampUsersPerSec(2).to(14).during(ofSeconds(60)), nothingFor(ofSeconds(1))),
                scenario("apps").exec(watch("demo").forDuration(ofSeconds(150)).over(
                                dev.treecast.loadtest.model.ViewerTransport.QUIC))
                        .injectOpen(rampUsersPerSec(2).to(14).during(ofSeconds(60))))
                .target(inProcessCluster().levels(3, 9))
                .chaos(killRelay(anyRelay()).every(ofSeconds(20)))
                .maxDuration(ofMinutes(4))
                .assertions(
                        global().latency().percentile(99).lt(1000),
                        startup().percentile(95).lt(3000),
                        stalls().ratio().lt(0.01),
                        lostObjects().is(0),
                        reconnects().percentile(99).lt(3000),
                        failedViewers().is(0));
    }
}
