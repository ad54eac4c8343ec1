package dev.treecast.loadtest.dsl;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static java.time.Duration.ofSeconds;

import dev.treecast.loadtest.model.ViewerTransport;

/** The DSL's showcase, exactly as its documentation writes it; {@link DslShapeTest} checks the spec it yields. */
public final class Smoke extends Simulation {
    {
        ScenarioBuilder fans = scenario("fans")
                .exec(pause(ofSeconds(1), ofSeconds(3)),                  // think time, uniform in [1 s, 3 s]
                      watch("demo").forDuration(ofSeconds(25))              // `for` is a Java keyword: forDuration
                              .rendition("video").withoutAudio().over(ViewerTransport.QUIC)
                              .startupBuffer(java.time.Duration.ofMillis(300))
                              .reconnectAfterSilence(java.time.Duration.ofMillis(400)));  // or .noReconnect(), .reconnect(Reconnect)
        setUp(fans.injectOpen(atOnceUsers(5), nothingFor(ofSeconds(2)), rampUsers(50).during(ofSeconds(10)),
                        constantUsersPerSec(2.5).during(ofSeconds(4)), rampUsersPerSec(1).to(10).during(ofSeconds(5))),
              scenario("loyal").exec(watch("demo").forDuration(ofSeconds(60)))
                        .injectClosed(constantConcurrentUsers(20).during(ofSeconds(30)), rampConcurrentUsers(20).to(40).during(ofSeconds(10))))
            .target(inProcessCluster().levels(2, 4).synthetic(2_500_000).replaceKilled(true).viewerCapacity(5000))
            .chaos(killRelay(relayWithChildren()).at(ofSeconds(10)),
                   stopRelay(relay("relay-2.1")).at(ofSeconds(12)), resumeRelay(relay("relay-2.1")).at(ofSeconds(14)),
                   drainRelay(leafRelay()).at(ofSeconds(16)),
                   killRelay(anyRelay()).every(ofSeconds(20)),            // first at 20 s, then every 20 s
                   killRelay(relayAtLevel(1)).at(ofSeconds(5)).thenEvery(ofSeconds(30)))
            .maxDuration(ofSeconds(90))
            .assertions(global().latency().percentile(99).lt(500),
                        global().latency().max().lt(2000),
                        stalls().ratio().lt(0.01), stalls().count().lte(3),
                        lostObjects().is(0), duplicateObjects().is(0),
                        startup().percentile(95).lt(2000), startup().mean().lt(1000),
                        reconnects().percentile(99).lt(1500), reconnects().count().lt(100),
                        failedViewers().is(0));
    }
}
