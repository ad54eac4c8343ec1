package dev.treecast.relay;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.treecast.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Every meter of a relay, declared once. The media-path figures are plain fields written only by the relay's
 * event loop (no atomics on the hot path); Micrometer reads them when scraped, so a reading may be a moment old.
 * Tags are low-cardinality (the relay's node id, a reason, an error code), never a viewer.
 */
public final class RelayMetrics {
    private final MeterRegistry registry;
    private final Tags tags;
    private long objectsReceived;
    private long bytesReceived;
    private long objectsForwarded;
    private long bytesForwarded;
    private long groups;
    private long duplicates;
    private long resumeGaps;
    private long groupsReset;
    private long upstreamGroupsAborted;
    private volatile int sessions;
    private volatile int connections;
    private volatile int subscribers;
    private final Map<String, Counter> resets = new ConcurrentHashMap<>();
    private final io.micrometer.core.instrument.Timer repairs;
    private final Counter parentConnects;
    private final Counter hedgedHandshakes;
    private final Counter failedHandshakes;
    private volatile long lastRepairNanos = -1;
    private final Map<ErrorCode, Counter> protocolErrors = new ConcurrentHashMap<>();
    private final Map<String, Counter> limits = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
    private volatile long objectsRejected;
    private final Map<String, Counter> authRefused = new ConcurrentHashMap<>();
    private volatile int children;
    private volatile int viewers;
    private volatile long cacheBytes;
    private volatile long cacheGroups;
    private long cacheHits;
    private long cacheMisses;
    private final io.micrometer.core.instrument.Timer latency;
    private long latencyFuture;
    /** Wall clock (µs since the epoch) minus {@code nanoTime / 1000}, from {@link #calibrate}; 0 until then. */
    private long wallOffsetMicros;
    private final Map<String, Counter> reparents = new ConcurrentHashMap<>();

    public RelayMetrics(MeterRegistry registry, String nodeId) {
        this.registry = registry;
        this.tags = Tags.of("node", nodeId);
        FunctionCounter.builder("treecast.relay.objects.received", this, m -> m.objectsReceived).tags(tags)
                .description("objects received from upstream or the local publisher").register(registry);
        FunctionCounter.builder("treecast.relay.bytes.received", this, m -> m.bytesReceived).tags(tags)
                .baseUnit("bytes").register(registry);
        FunctionCounter.builder("treecast.relay.objects.forwarded", this, m -> m.objectsForwarded).tags(tags)
                .description("objects written to downstream streams (one per subscriber)").register(registry);
        FunctionCounter.builder("treecast.relay.bytes.forwarded", this, m -> m.bytesForwarded).tags(tags)
                .baseUnit("bytes").register(registry);
        FunctionCounter.builder("treecast.relay.groups", this, m -> m.groups).tags(tags)
                .description("new groups seen").register(registry);
        FunctionCounter.builder("treecast.relay.objects.duplicate", this, m -> m.duplicates).tags(tags)
                .register(registry);
        FunctionCounter.builder("treecast.relay.resume.gaps", this, m -> m.resumeGaps).tags(tags)
                .description("groups a resuming subscriber asked for that the cache no longer held")
                .register(registry);
        FunctionCounter.builder("treecast.relay.upstream.groups.aborted", this, m -> m.upstreamGroupsAborted)
                .tags(tags).description("groups whose upstream stream was reset before their end").register(registry);
        Gauge.builder("treecast.relay.sessions", this, m -> m.sessions).tags(tags).register(registry);
        Gauge.builder("treecast.relay.connections", this, m -> m.connections).tags(tags)
                .description("QUIC connections on the relay's port, set up or not yet").register(registry);
        repairs = io.micrometer.core.instrument.Timer.builder("treecast.relay.repairs").tags(tags)
                .description("local repairs: from a dead parent noticed to receiving from a backup")
                .publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofMillis(10))
                .maximumExpectedValue(java.time.Duration.ofSeconds(30)).register(registry);
        parentConnects = Counter.builder("treecast.relay.parent.connects").tags(tags)
                .description("sessions established to a parent").register(registry);
        hedgedHandshakes = Counter.builder("treecast.relay.parent.handshakes.hedged").tags(tags)
                .description("second handshakes to a candidate parent started because the first was late")
                .register(registry);
        failedHandshakes = Counter.builder("treecast.relay.parent.handshakes.failed").tags(tags)
                .description("handshakes or SETUPs to a candidate parent that failed (refused, unreachable, timed out)")
                .register(registry);
        Gauge.builder("treecast.relay.subscribers", this, m -> m.subscribers).tags(tags).register(registry);
        Gauge.builder("treecast.relay.children", this, m -> m.children).tags(tags)
                .description("child relays attached now").register(registry);
        Gauge.builder("treecast.relay.viewers", this, m -> m.viewers).tags(tags)
                .description("viewer sessions now, treecast/1 over QUIC and WebTransport alike").register(registry);
        Gauge.builder("treecast.relay.cache.bytes", this, m -> m.cacheBytes).tags(tags).baseUnit("bytes")
                .description("bytes of groups held in the group cache").register(registry);
        Gauge.builder("treecast.relay.cache.groups", this, m -> m.cacheGroups).tags(tags)
                .description("groups held in the group cache").register(registry);
        FunctionCounter.builder("treecast.relay.cache.gets", this, m -> m.cacheHits).tags(tags).tag("result", "hit")
                .description("subscription starts and resumed groups: served from the cache (hit), or not there"
                        + " (miss: asked upstream, or a resumed group already gone)").register(registry);
        FunctionCounter.builder("treecast.relay.cache.gets", this, m -> m.cacheMisses).tags(tags)
                .tag("result", "miss").register(registry);
        // Loopback hops take tens of µs, a continent tens of ms, a relay catching up seconds: buckets for all.
        latency = io.micrometer.core.instrument.Timer.builder("treecast.relay.latency.from.ingest").tags(tags)
                .description("from the ingest's timestamp on an object to its arrival at this relay (wall clocks:"
                        + " across machines as good as their NTP)")
                .publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofNanos(50_000))
                .maximumExpectedValue(java.time.Duration.ofSeconds(10))
                .serviceLevelObjectives(java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(5),
                        java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(50),
                        java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(250),
                        java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(1))
                .register(registry);
        FunctionCounter.builder("treecast.relay.latency.future", this, m -> m.latencyFuture).tags(tags)
                .description("objects stamped later than their arrival here (the clocks disagree): not timed")
                .register(registry);
        // The fixed reasons exist from the start at 0, so that rate() and increase() see their first event.
        for (String reason : REPARENT_REASONS) {
            reparent(reason, 0);
        }
        for (String reason : RESET_REASONS) {
            resets.computeIfAbsent(reason, this::resetCounter);
        }
        for (ErrorCode code : ErrorCode.values()) {
            protocolErrors.computeIfAbsent(code, this::errorCounter);
        }
    }

    /** The values of the {@code reason} tag of {@code treecast.relay.reparents}. */
    public static final java.util.List<String> REPARENT_REASONS = java.util.List.of("parent-dead", "parent-lost",
            "move", "goaway");
    /** The values of the {@code reason} tag of {@code treecast.relay.groups.reset}. */
    public static final java.util.List<String> RESET_REASONS = java.util.List.of("too-many-open", "stream-limit",
            "latency-budget", "open-failed");

    private Counter resetCounter(String reason) {
        return Counter.builder("treecast.relay.groups.reset").tags(tags).tag("reason", reason)
                .description("downstream group streams reset or skipped, by why").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void received(int bytes) {
        objectsReceived++;
        bytesReceived += bytes;
    }

    /**
     * An object stamped {@code stampMicros} by the ingest (wall clock) arrived at {@code nowNanos}
     * ({@code System.nanoTime()}); timed once {@link #calibrate} has been called.
     */
    public void arrived(long stampMicros, long nowNanos) {
        if (wallOffsetMicros == 0) {
            return;
        }
        long ageMicros = wallOffsetMicros + nowNanos / 1000 - stampMicros;
        if (ageMicros < 0) {
            latencyFuture++;
            return;
        }
        latency.record(ageMicros, java.util.concurrent.TimeUnit.MICROSECONDS);
    }

    /**
     * Ties {@code nanoTime} to the wall clock for {@link #arrived} (called again now and then, so that a stepped
     * wall clock is followed). Owner thread only.
     */
    public void calibrate(long wallMicros, long nanoTime) {
        wallOffsetMicros = wallMicros - nanoTime / 1000;
    }

    /** Objects timed by {@link #arrived} so far. */
    public long latencySamples() {
        return latency.count();
    }

    /** A subscription start or a resumed group was served from the cache ({@code true}) or not. */
    public void cacheGet(boolean hit) {
        if (hit) {
            cacheHits++;
        } else {
            cacheMisses++;
        }
    }

    public long cacheHits() {
        return cacheHits;
    }

    public long cacheMisses() {
        return cacheMisses;
    }

    /** The slow-moving figures, set by the owner thread about once a second. */
    public void gauges(int childRelays, int viewerSessions, long cachedBytes, long cachedGroups) {
        children = childRelays;
        viewers = viewerSessions;
        cacheBytes = cachedBytes;
        cacheGroups = cachedGroups;
    }

    public int children() {
        return children;
    }

    public int viewers() {
        return viewers;
    }

    public long cacheBytes() {
        return cacheBytes;
    }

    /**
     * This relay changed parent; {@code reason} is one of {@code parent-dead} (silent too long),
     * {@code parent-lost} (its link closed), {@code move} (the controller moved us), {@code goaway} (it drained).
     */
    public void reparent(String reason) {
        reparent(reason, 1);
    }

    private void reparent(String reason, int count) {
        reparents.computeIfAbsent(reason, r -> Counter.builder("treecast.relay.reparents").tags(tags)
                .tag("reason", r).description("changes of parent, by why").register(registry)).increment(count);
    }

    /** Changes of parent for {@code reason}. */
    public long reparents(String reason) {
        Counter c = reparents.get(reason);
        return c == null ? 0 : (long) c.count();
    }

    public void forwarded(int bytes) {
        objectsForwarded++;
        bytesForwarded += bytes;
    }

    public void group() {
        groups++;
    }

    public void upstreamGroupAborted() {
        upstreamGroupsAborted++;
    }

    public void duplicate() {
        duplicates++;
    }

    public void resumeGap() {
        resumeGaps++;
    }

    /** A downstream group stream was reset or skipped; {@code reason} is one of a few fixed words. */
    public void groupReset(String reason) {
        groupsReset++;
        resets.computeIfAbsent(reason, this::resetCounter).increment();
    }

    public void protocolError(ErrorCode code) {
        protocolErrors.computeIfAbsent(code, this::errorCounter).increment();
    }

    private Counter errorCounter(ErrorCode code) {
        return Counter.builder("treecast.relay.protocol.errors").tags(tags).tag("code", code.name())
                .description("sessions and streams closed for the peer's protocol error, by code").register(registry);
    }

    /**
     * An object from upstream failed its signature check and was dropped; {@code reason} is an
     * {@link dev.treecast.protocol.data.ObjectSignature.Outcome#tag()}.
     */
    public void rejected(String reason) {
        objectsRejected++;
        rejections.computeIfAbsent(reason, r -> Counter.builder("treecast.relay.objects.rejected").tags(tags)
                .tag("reason", r).description("objects from upstream dropped because their signature failed")
                .register(registry)).increment();
    }

    /** Objects dropped because their signature failed, whatever the reason. */
    public long objectsRejected() {
        return objectsRejected;
    }

    /** Objects dropped for {@code reason} (an outcome tag such as {@code invalid}). */
    public long objectsRejected(String reason) {
        Counter c = rejections.get(reason);
        return c == null ? 0 : (long) c.count();
    }

    /**
     * A peer was refused for its access token (a session closed, or a subscription refused); {@code reason} is an
     * {@link dev.treecast.protocol.auth.AccessToken.Failure#tag()}.
     */
    public void authRefused(String reason) {
        authRefused.computeIfAbsent(reason, r -> Counter.builder("treecast.relay.auth.refused").tags(tags)
                .tag("reason", r).description("peers refused for their access token (see Access control), by why")
                .register(registry)).increment();
    }

    /** Peers refused for {@code reason} (a failure tag such as {@code expired}). */
    public long authRefusals(String reason) {
        Counter c = authRefused.get(reason);
        return c == null ? 0 : (long) c.count();
    }

    public void limitHit(String limit) {
        limits.computeIfAbsent(limit, l -> Counter.builder("treecast.relay.limits.hit").tags(tags)
                .tag("limit", l).description("peers that hit a limit (see Limits), by limit").register(registry))
                .increment();
    }

    /** Times {@code limit} was hit (a name such as {@code handshake-timeout}). */
    public long limitsHit(String limit) {
        Counter c = limits.get(limit);
        return c == null ? 0 : (long) c.count();
    }

    /** Every limit hit so far, by name. */
    public Map<String, Long> limitsHit() {
        Map<String, Long> hits = new java.util.TreeMap<>();
        limits.forEach((name, c) -> hits.put(name, (long) c.count()));
        return hits;
    }

    /** Protocol errors counted so far, by code (the codes seen at least once). */
    public Map<ErrorCode, Long> protocolErrors() {
        Map<ErrorCode, Long> errors = new java.util.EnumMap<>(ErrorCode.class);
        protocolErrors.forEach((code, c) -> {
            if (c.count() > 0) {
                errors.put(code, (long) c.count());
            }
        });
        return errors;
    }

    public void connections(int count) {
        connections = count;
    }

    /** QUIC connections open on the relay's own port now (before or after SETUP). */
    public int connections() {
        return connections;
    }

    public void repair(long tookNanos) {
        repairs.record(tookNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        lastRepairNanos = tookNanos;
    }

    public void parentConnect() {
        parentConnects.increment();
    }

    public void handshakeHedged() {
        hedgedHandshakes.increment();
    }

    public void handshakeFailed() {
        failedHandshakes.increment();
    }

    /** Handshakes or SETUPs to a candidate parent that failed. */
    public long handshakesFailed() {
        return (long) failedHandshakes.count();
    }

    /** Second handshakes to a candidate parent started because the first was late. */
    public long handshakesHedged() {
        return (long) hedgedHandshakes.count();
    }

    /** Local repairs done so far. */
    public long repairs() {
        return repairs.count();
    }

    /** How long the last repair took, or -1. */
    public long lastRepairNanos() {
        return lastRepairNanos;
    }

    public void sessions(int count) {
        sessions = count;
    }

    public void subscribers(int delta) {
        subscribers += delta;
    }

    public long objectsReceived() {
        return objectsReceived;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public long objectsForwarded() {
        return objectsForwarded;
    }

    public long bytesForwarded() {
        return bytesForwarded;
    }

    public long groups() {
        return groups;
    }

    public long groupsReset() {
        return groupsReset;
    }

    public long duplicates() {
        return duplicates;
    }

    public long resumeGaps() {
        return resumeGaps;
    }

    public int sessions() {
        return sessions;
    }

    public int subscribers() {
        return subscribers;
    }

    /** Protocol errors counted for {@code code}. */
    public long protocolErrors(ErrorCode code) {
        Counter c = protocolErrors.get(code);
        return c == null ? 0 : (long) c.count();
    }
}
