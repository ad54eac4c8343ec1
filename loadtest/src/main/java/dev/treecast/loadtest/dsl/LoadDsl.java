package dev.treecast.loadtest.dsl;

import java.time.Duration;
import java.util.List;

import dev.treecast.loadtest.model.ChaosSpec;
import dev.treecast.loadtest.model.Injection;
import dev.treecast.loadtest.model.RelaySelector;

/**
 * The DSL's entry points, to import statically ({@code import static dev.treecast.loadtest.dsl.LoadDsl.*;}), as
 * Gatling's {@code CoreDsl}. Every {@code long} overload of a time parameter counts seconds.
 */
public final class LoadDsl {
    private LoadDsl() {
    }

    // ---- scenarios and their steps

    /** A scenario: what every viewer of a population does. */
    public static ScenarioBuilder scenario(String name) {
        return new ScenarioBuilder(name, List.of());
    }

    /** Think time of exactly {@code duration}. */
    public static PauseStep pause(Duration duration) {
        return new PauseStep(duration, duration);
    }

    /** Think time of exactly {@code seconds} seconds. */
    public static PauseStep pause(long seconds) {
        return pause(Duration.ofSeconds(seconds));
    }

    /** Think time drawn uniformly from [{@code min}, {@code max}]. */
    public static PauseStep pause(Duration min, Duration max) {
        return new PauseStep(min, max);
    }

    /** Think time drawn uniformly from [{@code minSeconds}, {@code maxSeconds}] seconds. */
    public static PauseStep pause(long minSeconds, long maxSeconds) {
        return pause(Duration.ofSeconds(minSeconds), Duration.ofSeconds(maxSeconds));
    }

    /** Watch a broadcast; a step once {@link WatchBuilder#forDuration(Duration)} says how long. */
    public static WatchBuilder watch(String broadcast) {
        if (broadcast == null || broadcast.isBlank()) {
            throw new IllegalArgumentException("watch needs a broadcast name");
        }
        return new WatchBuilder(broadcast);
    }

    // ---- open injection: when viewers start

    /** {@code users} viewers at once. */
    public static Injection.Open atOnceUsers(int users) {
        return new Injection.AtOnce(users);
    }

    /** Nobody starts for {@code duration}. */
    public static Injection.Open nothingFor(Duration duration) {
        return new Injection.Nothing(duration);
    }

    /** Nobody starts for {@code seconds} seconds. */
    public static Injection.Open nothingFor(long seconds) {
        return nothingFor(Duration.ofSeconds(seconds));
    }

    /** {@code users} viewers spread evenly over the duration given by {@code .during(d)}. */
    public static RampUsers rampUsers(int users) {
        return new RampUsers(users);
    }

    /** {@code rate} viewers a second (may be fractional) for the duration given by {@code .during(d)}. */
    public static ConstantUsersPerSec constantUsersPerSec(double rate) {
        return new ConstantUsersPerSec(rate);
    }

    /** A rate going linearly from {@code from} to {@code .to(b)} over {@code .during(d)}. */
    public static RampUsersPerSec rampUsersPerSec(double from) {
        return new RampUsersPerSec(from);
    }

    // ---- closed injection: how many watch at once

    /** Keep {@code users} viewers watching for the duration given by {@code .during(d)}. */
    public static ConstantConcurrentUsers constantConcurrentUsers(int users) {
        return new ConstantConcurrentUsers(users);
    }

    /** Concurrency going linearly from {@code from} to {@code .to(b)} over {@code .during(d)}. */
    public static RampConcurrentUsers rampConcurrentUsers(int from) {
        return new RampConcurrentUsers(from);
    }

    // ---- targets

    /** A cluster the run starts in this process (levels 2, 4, the built-in clip, killed relays replaced). */
    public static InProcessClusterBuilder inProcessCluster() {
        return new InProcessClusterBuilder();
    }

    /** A fleet running elsewhere; give it a {@code director(url)} and/or {@code relays("host:port", ...)}. */
    public static FleetBuilder fleet() {
        return new FleetBuilder();
    }

    // ---- relay selectors, resolved when a chaos step fires

    /** The relay with this node id, e.g. {@code relay-1.2}. */
    public static RelaySelector relay(String nodeId) {
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("relay(...) needs a node id, e.g. relay-1.2");
        }
        return new RelaySelector.Named(nodeId);
    }

    /** A random relay at this level (1 = just under the ingest). */
    public static RelaySelector relayAtLevel(int level) {
        if (level < 1) {
            throw new IllegalArgumentException("relay levels start at 1 (just under the ingest), got " + level);
        }
        return new RelaySelector.AtLevel(level);
    }

    /** A random relay that feeds other relays. */
    public static RelaySelector relayWithChildren() {
        return new RelaySelector.WithChildren();
    }

    /** A random relay of the last level. */
    public static RelaySelector leafRelay() {
        return new RelaySelector.Leaf();
    }

    /** Any relay at random. */
    public static RelaySelector anyRelay() {
        return new RelaySelector.Any();
    }

    // ---- chaos: a step once it has {@code .at(t)} or {@code .every(d)}

    /** Crash the relay (sockets closed without a word); the cluster starts a replacement if asked to. */
    public static ChaosBuilder killRelay(RelaySelector selector) {
        return new ChaosBuilder(ChaosSpec.Action.KILL, selector);
    }

    /** Hang the relay: it stops working, its sockets stay open and silent. */
    public static ChaosBuilder stopRelay(RelaySelector selector) {
        return new ChaosBuilder(ChaosSpec.Action.STOP, selector);
    }

    /** Undo a {@link #stopRelay}. */
    public static ChaosBuilder resumeRelay(RelaySelector selector) {
        return new ChaosBuilder(ChaosSpec.Action.RESUME, selector);
    }

    /** Make the relay leave gracefully (children moved make-before-break, viewers told to go away). */
    public static ChaosBuilder drainRelay(RelaySelector selector) {
        return new ChaosBuilder(ChaosSpec.Action.DRAIN, selector);
    }

    // ---- assertions: an assertion once it has a condition ({@code .lt(x)}, {@code .is(x)}, ...)

    /** Assertions over the whole run, e.g. {@code global().latency().percentile(99).lt(500)}. */
    public static GlobalScope global() {
        return GlobalScope.INSTANCE;
    }

    /** Time to first frame (ms): {@code global().startup()}. */
    public static TimeMetric startup() {
        return global().startup();
    }

    /** Viewer reconnects (ms, or a count): {@code global().reconnects()}. */
    public static TimeMetric reconnects() {
        return global().reconnects();
    }

    /** Playback stalls: {@code global().stalls()}. */
    public static StallsMetric stalls() {
        return global().stalls();
    }

    /** Objects missing from a group's sequence: {@code global().lostObjects()}. */
    public static Statistic lostObjects() {
        return global().lostObjects();
    }

    /** Objects received twice: {@code global().duplicateObjects()}. */
    public static Statistic duplicateObjects() {
        return global().duplicateObjects();
    }

    /** Viewers that did not watch their whole duration: {@code global().failedViewers()}. */
    public static FailedViewers failedViewers() {
        return global().failedViewers();
    }
}
