package dev.treecast.loadtest.dsl;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.AssertionSpec.Condition;
import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;
import dev.treecast.loadtest.model.ChaosSpec;
import dev.treecast.loadtest.model.ChaosSpec.Action;
import dev.treecast.loadtest.model.Injection;
import dev.treecast.loadtest.model.Population;
import dev.treecast.loadtest.model.Reconnect;
import dev.treecast.loadtest.model.RelaySelector;
import dev.treecast.loadtest.model.ScenarioSpec;
import dev.treecast.loadtest.model.SimulationSpec;
import dev.treecast.loadtest.model.Step;
import dev.treecast.loadtest.model.Target;
import dev.treecast.loadtest.model.ViewerTransport;

/** The DSL builds exactly the model values its code reads as, and a set-up chain is captured whole. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DslShapeTest {

    @Test
    void theSmokeSimulationYieldsExactlyTheSpecItReadsAs() {
        ScenarioSpec fans = new ScenarioSpec("fans", List.of(
                new Step.Pause(ofSeconds(1), ofSeconds(3)),
                new Step.Watch("demo", "video", false, ofSeconds(25), ViewerTransport.QUIC, ofMillis(300),
                        new Reconnect(true, ofMillis(400), 5, ofMillis(100)))));
        ScenarioSpec loyal = new ScenarioSpec("loyal", List.of(
                new Step.Watch("demo", "video", true, ofSeconds(60), ViewerTransport.WEBTRANSPORT, ofMillis(200),
                        Reconnect.DEFAULT)));
        SimulationSpec expected = new SimulationSpec("Smoke",
                List.of(new Population.Open(fans, List.of(
                                new Injection.AtOnce(5),
                                new Injection.Nothing(ofSeconds(2)),
                                new Injection.Ramp(50, ofSeconds(10)),
                                new Injection.ConstantRate(2.5, ofSeconds(4)),
                                new Injection.RampRate(1, 10, ofSeconds(5)))),
                        new Population.Closed(loyal, List.of(
                                new Injection.ConstantConcurrent(20, ofSeconds(30)),
                                new Injection.RampConcurrent(20, 40, ofSeconds(10))))),
                new Target.InProcess(List.of(2, 4), Target.Source.SYNTHETIC, 2_500_000, true, 5000),
                List.of(new ChaosSpec(Action.KILL, new RelaySelector.WithChildren(), ofSeconds(10), null),
                        new ChaosSpec(Action.STOP, new RelaySelector.Named("relay-2.1"), ofSeconds(12), null),
                        new ChaosSpec(Action.RESUME, new RelaySelector.Named("relay-2.1"), ofSeconds(14), null),
                        new ChaosSpec(Action.DRAIN, new RelaySelector.Leaf(), ofSeconds(16), null),
                        new ChaosSpec(Action.KILL, new RelaySelector.Any(), ofSeconds(20), ofSeconds(20)),
                        new ChaosSpec(Action.KILL, new RelaySelector.AtLevel(1), ofSeconds(5), ofSeconds(30))),
                List.of(new AssertionSpec(Metric.LATENCY, Stat.PERCENTILE, 99, Condition.LT, 500),
                        new AssertionSpec(Metric.LATENCY, Stat.MAX, 0, Condition.LT, 2000),
                        new AssertionSpec(Metric.STALLS, Stat.RATIO, 0, Condition.LT, 0.01),
                        new AssertionSpec(Metric.STALLS, Stat.COUNT, 0, Condition.LTE, 3),
                        new AssertionSpec(Metric.LOST_OBJECTS, Stat.COUNT, 0, Condition.IS, 0),
                        new AssertionSpec(Metric.DUPLICATE_OBJECTS, Stat.COUNT, 0, Condition.IS, 0),
                        new AssertionSpec(Metric.STARTUP, Stat.PERCENTILE, 95, Condition.LT, 2000),
                        new AssertionSpec(Metric.STARTUP, Stat.MEAN, 0, Condition.LT, 1000),
                        new AssertionSpec(Metric.RECONNECTS, Stat.PERCENTILE, 99, Condition.LT, 1500),
                        new AssertionSpec(Metric.RECONNECTS, Stat.COUNT, 0, Condition.LT, 100),
                        new AssertionSpec(Metric.FAILED_VIEWERS, Stat.COUNT, 0, Condition.IS, 0)),
                ofSeconds(90));

        SimulationSpec actual = new Smoke().spec();

        // Piece by piece first, so a difference says where it is; then the whole value.
        assertThat(actual.name()).isEqualTo("Smoke");
        assertThat(actual.populations()).hasSize(2);
        assertThat(actual.populations().get(0)).isEqualTo(expected.populations().get(0));
        assertThat(actual.populations().get(1)).isEqualTo(expected.populations().get(1));
        assertThat(actual.target()).isEqualTo(expected.target());
        assertThat(actual.chaos()).containsExactlyElementsOf(expected.chaos());
        assertThat(actual.assertions()).containsExactlyElementsOf(expected.assertions());
        assertThat(actual.maxDuration()).isEqualTo(ofSeconds(90));
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void aWatchStepHasTheDocumentedDefaults() {
        Step.Watch watch = watch("demo").forDuration(30).step();

        assertThat(watch).isEqualTo(new Step.Watch("demo", "video", true, ofSeconds(30),
                ViewerTransport.WEBTRANSPORT, ofMillis(200), Reconnect.DEFAULT));
    }

    @Test
    void reconnectChoicesReplaceEachOther() {
        WatchStep base = watch("demo").forDuration(ofSeconds(10));
        Reconnect custom = new Reconnect(true, ofMillis(250), 2, ofMillis(50));

        assertThat(base.noReconnect().step().reconnect()).isEqualTo(Reconnect.NEVER);
        assertThat(base.reconnect(custom).step().reconnect()).isEqualTo(custom);
        assertThat(base.reconnect(custom).reconnectAfterSilence(ofMillis(900)).step().reconnect())
                .isEqualTo(new Reconnect(true, ofMillis(900), 2, ofMillis(50)));
        // Turning reconnects back on after noReconnect() takes the default attempts, not NEVER's zero.
        assertThat(base.noReconnect().reconnectAfterSilence(ofMillis(900)).step().reconnect())
                .isEqualTo(new Reconnect(true, ofMillis(900), 5, ofMillis(100)));
    }

    @Test
    void buildersAreImmutableSoABaseCanBeShared() {
        WatchStep base = watch("demo").forDuration(10);
        WatchStep quic = base.over(ViewerTransport.QUIC);
        ScenarioBuilder scenario = scenario("s");
        ScenarioBuilder withWatch = scenario.exec(base);
        InProcessClusterBuilder cluster = inProcessCluster();
        InProcessClusterBuilder big = cluster.levels(4, 16);

        assertThat(base.step().transport()).isEqualTo(ViewerTransport.WEBTRANSPORT);
        assertThat(quic.step().transport()).isEqualTo(ViewerTransport.QUIC);
        assertThat(scenario).isNotSameAs(withWatch);
        assertThatThrownBy(scenario::spec).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never watches anything");
        assertThat(withWatch.spec().steps()).hasSize(1);
        assertThat(cluster.target().levels()).containsExactly(2, 4);
        assertThat(big.target().levels()).containsExactly(4, 16);
    }

    @Test
    void pauseOverloadsCountSeconds() {
        assertThat(pause(2).step()).isEqualTo(new Step.Pause(ofSeconds(2), ofSeconds(2)));
        assertThat(pause(1, 3).step()).isEqualTo(new Step.Pause(ofSeconds(1), ofSeconds(3)));
        assertThat(pause(ofMillis(500)).step()).isEqualTo(new Step.Pause(ofMillis(500), ofMillis(500)));
    }

    @Test
    void secondsOverloadsBuildTheSameStepsAsDurations() {
        assertThat(rampUsers(10).during(5)).isEqualTo(rampUsers(10).during(ofSeconds(5)));
        assertThat(constantUsersPerSec(2).during(5)).isEqualTo(new Injection.ConstantRate(2, ofSeconds(5)));
        assertThat(rampUsersPerSec(1).to(3).during(5)).isEqualTo(new Injection.RampRate(1, 3, ofSeconds(5)));
        assertThat(nothingFor(5)).isEqualTo(new Injection.Nothing(ofSeconds(5)));
        assertThat(constantConcurrentUsers(3).during(5)).isEqualTo(new Injection.ConstantConcurrent(3, ofSeconds(5)));
        assertThat(rampConcurrentUsers(1).to(3).during(5)).isEqualTo(new Injection.RampConcurrent(1, 3, ofSeconds(5)));
        assertThat(killRelay(anyRelay()).at(5).thenEvery(7).spec())
                .isEqualTo(new ChaosSpec(Action.KILL, new RelaySelector.Any(), ofSeconds(5), ofSeconds(7)));
        assertThat(killRelay(anyRelay()).every(7).spec())
                .isEqualTo(new ChaosSpec(Action.KILL, new RelaySelector.Any(), ofSeconds(7), ofSeconds(7)));
    }

    @Test
    void setUpThenTargetThenAssertionsKeepsAllThree() {
        SimulationSpec spec = new Simulation() {
            {
                setUp(scenario("s").exec(watch("demo").forDuration(5)).injectOpen(atOnceUsers(1)))
                        .target(fleet().director("http://ingest:8080").relays("relay-1:4434", "[::1]:4435"))
                        .assertions(failedViewers().is(0));
            }
        }.spec();

        assertThat(spec.populations()).hasSize(1);
        assertThat(spec.target()).isEqualTo(new Target.Fleet(URI.create("http://ingest:8080"), List.of(
                InetSocketAddress.createUnresolved("relay-1", 4434),
                InetSocketAddress.createUnresolved("::1", 4435))));
        assertThat(spec.assertions()).containsExactly(failedViewers().is(0));
        assertThat(spec.chaos()).isEmpty();
        assertThat(spec.maxDuration()).isNull();
    }

    @Test
    void anUntargetedSetUpRunsTheDefaultClusterAndMayHaveChaos() {
        SimulationSpec spec = new Simulation() {
            {
                setUp(scenario("s").exec(watch("demo").forDuration(5)).injectOpen(atOnceUsers(1)))
                        .assertions(failedViewers().is(0))
                        .maxDuration(30)
                        .chaos(killRelay(anyRelay()).at(3))
                        .assertions(lostObjects().is(0));
            }
        }.spec();

        assertThat(spec.target()).isEqualTo(
                new Target.InProcess(List.of(2, 4), Target.Source.CLIP, 0, true, 5000));
        assertThat(spec.chaos()).containsExactly(killRelay(anyRelay()).at(3).spec());
        assertThat(spec.assertions()).containsExactly(failedViewers().is(0), lostObjects().is(0));
        assertThat(spec.maxDuration()).isEqualTo(ofSeconds(30));
    }

    @Test
    void clusterOptionsReachTheTarget() {
        assertThat(inProcessCluster().synthetic(1_000_000).clip().levels(3).replaceKilled(false)
                .viewerCapacity(10).target())
                .isEqualTo(new Target.InProcess(List.of(3), Target.Source.CLIP, 0, false, 10));
        assertThatThrownBy(() -> inProcessCluster().levels()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inProcessCluster().synthetic(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void specBeforeSetUpFailsWithAClearMessage() {
        Simulation empty = new NoSetUp();

        assertThatThrownBy(empty::spec).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("NoSetUp never called setUp(...)");
    }

    @Test
    void setUpTwiceFails() {
        assertThatThrownBy(TwoSetUps::new).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("setUp(...) was already called");
    }

    @Test
    void aForkedChainFailsInsteadOfDroppingABranch() {
        assertThatThrownBy(Forked::new).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("forked");
    }

    @Test
    void twoPopulationsWithOneScenarioNameFail() {
        assertThatThrownBy(() -> new Simulation() {
            {
                ScenarioBuilder s = scenario("same").exec(watch("demo").forDuration(5));
                setUp(s.injectOpen(atOnceUsers(1)), s.injectClosed(constantConcurrentUsers(1).during(5)));
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'same'");
    }

    @Test
    void fleetAddressesAreParsedAndGarbageIsRejectedClearly() {
        assertThat(fleet().relays("10.0.0.7:4434").target().relays())
                .containsExactly(InetSocketAddress.createUnresolved("10.0.0.7", 4434));
        assertThat(fleet().relays("a:1").relays("b:2").target().relays())
                .containsExactly(InetSocketAddress.createUnresolved("b", 2));
        assertThat(fleet().director("https://edge.example.com").target().director())
                .isEqualTo(URI.create("https://edge.example.com"));
        assertThat(fleet().reference("ingest:4433").relays("a:1").target().reference())
                .isEqualTo(InetSocketAddress.createUnresolved("ingest", 4433));
        assertThat(fleet().relays("a:1").target().reference()).isNull();

        for (String garbage : List.of("relay", "relay:", ":4434", "relay:http", "relay:0", "relay:65536",
                "::1:4434", "[::1:4434", "re lay:4434")) {
            assertThatThrownBy(() -> fleet().relays(garbage)).as(garbage)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bad relay address '" + garbage + "'");
        }
        for (String garbage : List.of("ingest:8080", "ftp://ingest", "http://", "http://in gest:8080")) {
            assertThatThrownBy(() -> fleet().director(garbage)).as(garbage)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("director must be an http(s) URL");
        }
        assertThatThrownBy(() -> fleet().target()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("director URL or relay addresses");
    }

    @Test
    void badValuesFailOnTheLineThatWroteThem() {
        assertThatThrownBy(() -> rampUsers(-1).during(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> watch("demo").forDuration(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> watch(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> global().latency().percentile(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("percentile");
        assertThatThrownBy(() -> global().latency().percentile(100.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> relayAtLevel(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> killRelay(anyRelay()).every(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pause(ofSeconds(3), ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void failedViewersOffersACountAndARatio() {
        assertThat(failedViewers().ratio().lte(0.05))
                .isEqualTo(new AssertionSpec(Metric.FAILED_VIEWERS, Stat.RATIO, 0, Condition.LTE, 0.05));
        assertThat(global().startup().max().gte(1))
                .isEqualTo(new AssertionSpec(Metric.STARTUP, Stat.MAX, 0, Condition.GTE, 1));
        assertThat(global().reconnects().mean().gt(2))
                .isEqualTo(new AssertionSpec(Metric.RECONNECTS, Stat.MEAN, 0, Condition.GT, 2));
    }

    static final class NoSetUp extends Simulation {
    }

    static final class TwoSetUps extends Simulation {
        {
            setUp(scenario("a").exec(watch("demo").forDuration(5)).injectOpen(atOnceUsers(1)));
            setUp(scenario("b").exec(watch("demo").forDuration(5)).injectOpen(atOnceUsers(1)));
        }
    }

    static final class Forked extends Simulation {
        {
            SetUp s = setUp(scenario("a").exec(watch("demo").forDuration(5)).injectOpen(atOnceUsers(1)));
            s.target(inProcessCluster().levels(1));
            s.assertions(failedViewers().is(0)); // would silently drop the target
        }
    }
}
