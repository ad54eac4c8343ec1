package dev.treecast.gateway;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.treecast.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Every meter of the gateway, declared once, in the relay's registry. Written only by the relay's event loop;
 * Micrometer reads them when scraped. Tags are low-cardinality: the node, a reason word, an error code, a status.
 */
public final class GatewayMetrics {
    /** Why a WebTransport session ended; the values of the {@code reason} tag. */
    public enum CloseReason {
        /** The viewer ended it: CLOSE_WEBTRANSPORT_SESSION, FIN on the CONNECT stream, or its control stream ended. */
        CLEAN("clean"),
        /** Nothing heard from the viewer for the QUIC idle timeout: it vanished. */
        IDLE_TIMEOUT("idle-timeout"),
        /** The viewer broke {@code treecast/1} or WebTransport framing; we closed it with the error code. */
        PROTOCOL_ERROR("protocol-error"),
        /** The viewer closed the QUIC connection without ending the session first (e.g. a browser tab closed). */
        CONNECTION_CLOSED("connection-closed"),
        /** The viewer reset the CONNECT stream. */
        RESET("reset"),
        /** The viewer hit a limit: no session set up in time, or too many control messages left unread. */
        LIMIT("limit"),
        /** The viewer's access token was refused (in SETUP; one refused on the CONNECT never opens a session). */
        UNAUTHORIZED("unauthorized"),
        /** The gateway or its relay is shutting down. */
        SHUTDOWN("shutdown"),
        /** A failure on our side. */
        INTERNAL_ERROR("internal-error");

        private final String tag;

        CloseReason(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private final MeterRegistry registry;
    private final Tags tags;
    private volatile int sessions;
    private volatile int connections;
    private long opened;
    private long groupStreams;
    private long http3Errors;
    private final Map<CloseReason, Counter> closed = new ConcurrentHashMap<>();
    private final Map<ErrorCode, Counter> protocolErrors = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> connectRefused = new ConcurrentHashMap<>();
    private final Map<String, Counter> streamsRefused = new ConcurrentHashMap<>();
    private final Map<String, Counter> limits = new ConcurrentHashMap<>();
    private final Map<String, Counter> authRefused = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry, String nodeId) {
        this.registry = registry;
        this.tags = Tags.of("node", nodeId);
        Gauge.builder("treecast.gateway.sessions", this, m -> m.sessions).tags(tags)
                .description("open WebTransport sessions").register(registry);
        FunctionCounter.builder("treecast.gateway.sessions.opened", this, m -> m.opened).tags(tags)
                .description("WebTransport sessions accepted").register(registry);
        FunctionCounter.builder("treecast.gateway.group.streams", this, m -> m.groupStreams).tags(tags)
                .description("group streams opened to viewers").register(registry);
        FunctionCounter.builder("treecast.gateway.http3.errors", this, m -> m.http3Errors).tags(tags)
                .description("connections HTTP/3 closed for the viewer's error before it had a session (malformed"
                        + " frames, a broken control or QPACK stream)").register(registry);
        Gauge.builder("treecast.gateway.connections", this, m -> m.connections).tags(tags)
                .description("QUIC connections on the WebTransport port, with a session or not yet").register(registry);
        // Every code from the start at 0, so that rate() and increase() see the first error of each.
        for (ErrorCode code : ErrorCode.values()) {
            protocolErrors.computeIfAbsent(code, this::errorCounter);
        }
        for (CloseReason reason : CloseReason.values()) {
            closed.computeIfAbsent(reason, this::closedCounter);
        }
    }

    private Counter errorCounter(ErrorCode code) {
        return Counter.builder("treecast.gateway.protocol.errors").tags(tags).tag("code", code.name())
                .description("WebTransport sessions closed for the viewer's protocol error, by code").register(registry);
    }

    private Counter closedCounter(CloseReason reason) {
        return Counter.builder("treecast.gateway.sessions.closed").tags(tags).tag("reason", reason.tag())
                .description("WebTransport sessions ended, by why").register(registry);
    }

    /** A session negotiated moq-lite ({@code treecast.gateway.moqlite.sessions}, counted besides sessions.opened). */
    public void moqLiteSessionOpened() {
        if (moqLiteSessions == null) {
            moqLiteSessions = Counter.builder("treecast.gateway.moqlite.sessions").tags(tags).register(registry);
        }
        moqLiteSessions.increment();
    }

    private Counter moqLiteSessions;

    /** Sessions that negotiated moq-lite so far. */
    public long moqLiteSessions() {
        return moqLiteSessions == null ? 0 : (long) moqLiteSessions.count();
    }

    public void sessionOpened() {
        opened++;
        sessions++;
    }

    public void sessionClosed(CloseReason reason) {
        sessions--;
        closed.computeIfAbsent(reason, this::closedCounter).increment();
    }

    public void protocolError(ErrorCode code) {
        protocolErrors.computeIfAbsent(code, this::errorCounter).increment();
    }

    public void connectRefused(int status) {
        connectRefused.computeIfAbsent(status, s -> Counter.builder("treecast.gateway.connect.refused").tags(tags)
                .tag("status", Integer.toString(s)).description("extended CONNECTs answered with an error")
                .register(registry)).increment();
    }

    public void streamRefused(String kind) {
        streamsRefused.computeIfAbsent(kind, k -> Counter.builder("treecast.gateway.streams.refused").tags(tags)
                .tag("kind", k).description("peer-opened streams we stopped").register(registry)).increment();
    }

    /** A viewer hit a limit of the gateway ({@code sessions}, {@code handshake-timeout}, {@code idle-timeout}). */
    public void limitHit(String limit) {
        limits.computeIfAbsent(limit, l -> Counter.builder("treecast.gateway.limits.hit").tags(tags)
                .tag("limit", l).description("viewers that hit a limit of the gateway, by limit").register(registry))
                .increment();
    }

    /**
     * A CONNECT was refused for its access token (401 or 403); {@code reason} is an
     * {@link dev.treecast.protocol.auth.AccessToken.Failure#tag()}. Refusals later in a session (a token in SETUP, a
     * SUBSCRIBE to another broadcast) are the relay's: {@code treecast.relay.auth.refused}.
     */
    public void authRefused(String reason) {
        authRefused.computeIfAbsent(reason, r -> Counter.builder("treecast.gateway.auth.refused").tags(tags)
                .tag("reason", r).description("WebTransport CONNECTs refused for their access token, by why")
                .register(registry)).increment();
    }

    public long authRefusals(String reason) {
        Counter c = authRefused.get(reason);
        return c == null ? 0 : (long) c.count();
    }

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

    /** Protocol errors counted so far, by code. */
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

    /** QUIC connections open on the WebTransport port now. */
    public int connections() {
        return connections;
    }

    /** HTTP/3 closed a connection for the viewer's error before it had a session. */
    public void http3Error() {
        http3Errors++;
    }

    public long http3Errors() {
        return http3Errors;
    }

    public void groupStreamOpened() {
        groupStreams++;
    }

    /** Open sessions now. */
    public int sessions() {
        return sessions;
    }

    public long sessionsOpened() {
        return opened;
    }

    /** Sessions that ended for {@code reason}. */
    public long sessionsClosed(CloseReason reason) {
        Counter c = closed.get(reason);
        return c == null ? 0 : (long) c.count();
    }

    public long protocolErrors(ErrorCode code) {
        Counter c = protocolErrors.get(code);
        return c == null ? 0 : (long) c.count();
    }

    public long connectsRefused(int status) {
        Counter c = connectRefused.get(status);
        return c == null ? 0 : (long) c.count();
    }

    public long streamsRefused(String kind) {
        Counter c = streamsRefused.get(kind);
        return c == null ? 0 : (long) c.count();
    }

    public long groupStreams() {
        return groupStreams;
    }
}
