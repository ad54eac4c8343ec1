package dev.treecast.gateway;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Everything a gateway needs besides its relay. Every field has a default that works on one machine; see
 * {@link #builder()}.
 *
 * @param webTransportBind UDP address of the WebTransport (HTTP/3) server; port 0 picks a free one
 * @param httpBind         TCP address of the HTTP/1.1 server: {@code /certificate.sha256}, {@code /api/edge}, the
 *                         player page
 * @param idleTimeout      QUIC idle timeout of viewer connections: how long a viewer that vanished without a word
 *                         holds its subscriptions
 * @param maxSessions      WebTransport sessions served at once: a CONNECT beyond it is answered 503. Connections
 *                         (with a session or still setting one up) are held to twice as many, so that a full
 *                         gateway still answers 503 rather than dropping connections: one beyond is closed with
 *                         H3_EXCESSIVE_LOAD when its TLS handshake completes. Limit {@code sessions}, both.
 * @param handshakeTimeout from a connection's first packet to its session's SETUP (TLS, HTTP/3 SETTINGS, CONNECT,
 *                         control stream, SETUP); a connection not set up by then is closed with TIMEOUT; limit
 *                         {@code handshake-timeout}
 * @param maxStreamsBidi   bidirectional streams a viewer may open (QUIC transport parameter): the CONNECT stream
 *                         and the control stream, plus room for a refused extra one
 * @param maxStreamsUni    unidirectional streams a viewer may open: HTTP/3 control, QPACK encoder and decoder
 *                         (RFC 9114 §6.2), plus room for ones we refuse
 * @param advertisedHost   host name or address put in the WebTransport URL handed to players; null: the bind
 *                         address, or 127.0.0.1 when bound to the wildcard
 * @param certificateOnWebTransportPort also answer {@code GET /certificate.sha256} over TCP on the WebTransport port
 *                         number, where {@code @moq/watch} fetches it for an {@code http://} relay URL (see
 *                         docs/moq-lite.md); a failure to bind it is logged, not fatal
 */
public record GatewayConfig(InetSocketAddress webTransportBind, InetSocketAddress httpBind, Duration idleTimeout,
                            int maxSessions, String advertisedHost, Duration handshakeTimeout,
                            int maxStreamsBidi, int maxStreamsUni, boolean certificateOnWebTransportPort) {
    /** The port a deployed gateway serves WebTransport on. */
    public static final int DEFAULT_WEBTRANSPORT_PORT = 4443;
    /** The port a deployed gateway serves HTTP on. */
    public static final int DEFAULT_HTTP_PORT = 8081;

    public GatewayConfig {
        if (webTransportBind == null || httpBind == null) {
            throw new IllegalArgumentException("bind addresses are required");
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("max sessions must be at least 1: " + maxSessions);
        }
        if (advertisedHost != null && advertisedHost.isBlank()) {
            throw new IllegalArgumentException("advertised host must not be blank");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive: " + handshakeTimeout);
        }
        if (maxStreamsBidi < 2 || maxStreamsUni < 3) {
            throw new IllegalArgumentException("a WebTransport viewer needs 2 bidirectional and 3 unidirectional"
                    + " streams: " + maxStreamsBidi + ", " + maxStreamsUni);
        }
    }

    /** The host for WebTransport URLs handed to players. */
    public String urlHost(InetSocketAddress bound) {
        if (advertisedHost != null) {
            return advertisedHost;
        }
        if (bound.getAddress() == null || bound.getAddress().isAnyLocalAddress()) {
            return "127.0.0.1";
        }
        String host = bound.getAddress().getHostAddress();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults: loopback, free ports, 10 s idle timeout (a vanished viewer's subscriptions go within seconds; live
     * viewers heartbeat every 2 s), 10 000 sessions (about what one relay thread serves), 10 s to set a session up
     * (what a client waits itself; see {@code Limits.DEFAULT}), 16 bidirectional and 8 unidirectional streams (a
     * treecast/1 viewer uses 2 and 3, a moq-lite viewer about 8 and 4).
     */
    public static final class Builder {
        private InetSocketAddress webTransportBind = new InetSocketAddress("127.0.0.1", 0);
        private InetSocketAddress httpBind = new InetSocketAddress("127.0.0.1", 0);
        private Duration idleTimeout = Duration.ofSeconds(10);
        private int maxSessions = 10_000;
        private String advertisedHost;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        // moq-lite viewers open a stream per request: 2 announce, 3 subscribe and short track-info streams.
        private int maxStreamsBidi = 16;
        private int maxStreamsUni = 8;
        private boolean certificateOnWebTransportPort = true;

        public Builder webTransportBind(InetSocketAddress value) {
            webTransportBind = value;
            return this;
        }

        public Builder httpBind(InetSocketAddress value) {
            httpBind = value;
            return this;
        }

        public Builder idleTimeout(Duration value) {
            idleTimeout = value;
            return this;
        }

        public Builder maxSessions(int value) {
            maxSessions = value;
            return this;
        }

        public Builder handshakeTimeout(Duration value) {
            handshakeTimeout = value;
            return this;
        }

        /** Streams a viewer may open: bidirectional, unidirectional (QUIC transport parameters). */
        public Builder maxStreams(int bidi, int uni) {
            maxStreamsBidi = bidi;
            maxStreamsUni = uni;
            return this;
        }

        /** Whether {@code /certificate.sha256} is also served over TCP on the WebTransport port number. */
        public Builder certificateOnWebTransportPort(boolean value) {
            certificateOnWebTransportPort = value;
            return this;
        }

        public Builder advertisedHost(String value) {
            advertisedHost = value;
            return this;
        }

        /** All interfaces on the deployed ports: WebTransport on UDP 4443, HTTP on TCP 8081. */
        public Builder publicPorts() {
            webTransportBind = new InetSocketAddress(DEFAULT_WEBTRANSPORT_PORT);
            httpBind = new InetSocketAddress(DEFAULT_HTTP_PORT);
            return this;
        }

        public GatewayConfig build() {
            return new GatewayConfig(webTransportBind, httpBind, idleTimeout, maxSessions, advertisedHost,
                    handshakeTimeout, maxStreamsBidi, maxStreamsUni, certificateOnWebTransportPort);
        }
    }
}
