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
    private long opened;
    private long groupStreams;
    private final Map<CloseReason, Counter> closed = new ConcurrentHashMap<>();
    private final Map<ErrorCode, Counter> protocolErrors = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> connectRefused = new ConcurrentHashMap<>();
    private final Map<String, Counter> streamsRefused = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry, String nodeId) {
        this.registry = registry;
        this.tags = Tags.of("node", nodeId);
        Gauge.builder("treecast.gateway.sessions", this, m -> m.sessions).tags(tags)
                .description("open WebTransport sessions").register(registry);
        FunctionCounter.builder("treecast.gateway.sessions.opened", this, m -> m.opened).tags(tags)
                .description("WebTransport sessions accepted").register(registry);
        FunctionCounter.builder("treecast.gateway.group.streams", this, m -> m.groupStreams).tags(tags)
                .description("group streams opened to viewers").register(registry);
    }

    public void sessionOpened() {
        opened++;
        sessions++;
    }

    public void sessionClosed(CloseReason reason) {
        sessions--;
        closed.computeIfAbsent(reason, r -> Counter.builder("treecast.gateway.sessions.closed").tags(tags)
                .tag("reason", r.tag()).description("WebTransport sessions ended, by why").register(registry))
                .increment();
    }

    public void protocolError(ErrorCode code) {
        protocolErrors.computeIfAbsent(code, c -> Counter.builder("treecast.gateway.protocol.errors").tags(tags)
                .tag("code", c.name()).register(registry)).increment();
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
