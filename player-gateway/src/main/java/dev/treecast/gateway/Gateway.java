package dev.treecast.gateway;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.http.GatewayHttpServer;
import dev.treecast.transport.http.StaticFiles;
import dev.treecast.gateway.webtransport.WebTransportAcceptor;
import dev.treecast.relay.MetricsEndpoint;
import dev.treecast.relay.Relay;
import dev.treecast.transport.QuicServer;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.http.HttpResponses;
import dev.treecast.transport.http.HttpRoutes;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The WebTransport edge of a relay: browsers (and other WebTransport clients) open a session to
 * {@code https://host:port/watch/<broadcast>} and speak {@code treecast/1} inside it, served by the relay's own
 * core on the relay's own event loop, so one cached buffer fans out to child relays and viewers alike. An HTTP
 * port serves {@code /certificate.sha256}, {@code /api/edge} (with the broadcast key the player verifies objects
 * with) and the player page.
 *
 * <p>Embeddable: {@code new Gateway(relay, config).start()}, then {@link #close()} before the relay is closed.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** ALPN of HTTP/3 (RFC 9114 §3.1). */
    public static final String ALPN_H3 = "h3";
    /** The HTTP paths answered with CORS headers. */
    public static final String CERTIFICATE_PATH = "/certificate.sha256";
    public static final String EDGE_PATH = "/api/edge";
    /**
     * The query parameter of the CONNECT URL that carries a viewer's access token,
     * {@code https://host:port/watch/<broadcast>?token=tc1....}: checked before the session exists (see
     * {@link dev.treecast.relay.core.Admission}); a refused CONNECT is answered 401 (no valid token) or 403 (expired,
     * or not for this broadcast or region).
     */
    public static final String TOKEN_PARAMETER = "token";
    /** Response header of a CONNECT refused for its token: the {@code treecast/1} error code (decimal). */
    public static final String REFUSAL_CODE_HEADER = "treecast-error";
    /** Response header of a CONNECT refused for its token: why, in words. */
    public static final String REFUSAL_REASON_HEADER = "treecast-reason";

    /**
     * Viewers only send control messages and capsules: small windows suffice. How many streams they may open is
     * {@link GatewayConfig#maxStreamsBidi()} and {@link GatewayConfig#maxStreamsUni()}.
     */
    private static final long VIEWER_MAX_DATA = 1L << 20;
    private static final long VIEWER_MAX_STREAM_DATA_UNI = 64L << 10;
    private static final long VIEWER_MAX_STREAM_DATA_BIDI = 256L << 10;

    private final Relay relay;
    private final GatewayConfig config;
    private GatewayMetrics metrics;
    private PlayerReports playerReports;
    private WebTransportAcceptor acceptor;
    private QuicServer webTransport;
    private GatewayHttpServer http;
    /** {@code /certificate.sha256} on TCP at the WebTransport port number, for moq-lite players (or null). */
    private GatewayHttpServer certificateHttp;
    private volatile boolean closed;

    public Gateway(Relay relay, GatewayConfig config) {
        this.relay = relay;
        this.config = config;
    }

    /** Binds the WebTransport (UDP) and HTTP (TCP) ports on the started relay's event loop. */
    public Gateway start() throws InterruptedException {
        if (relay.eventLoop() == null || relay.core() == null) {
            throw new IllegalStateException("start the relay before its gateway");
        }
        metrics = new GatewayMetrics(relay.registry(), relay.nodeId());
        playerReports = new PlayerReports(relay.registry(), io.micrometer.core.instrument.Tags.of("node",
                relay.nodeId()));
        // The relay now serves viewers: by default it checks every object's signature before they see it.
        relay.servesViewers();
        acceptor = new WebTransportAcceptor(relay.core(), metrics, config.maxSessions(), config.handshakeTimeout());
        QuicSettings quic = new QuicSettings(config.idleTimeout(), VIEWER_MAX_DATA, VIEWER_MAX_STREAM_DATA_UNI,
                VIEWER_MAX_STREAM_DATA_BIDI, config.maxStreamsUni(), config.maxStreamsBidi());
        try {
            webTransport = QuicServer.bind(relay.eventLoop(), config.webTransportBind(), relay.certificates(), quic,
                    acceptor.connectionHandler(), acceptor.streamHandler(), ALPN_H3);
            String hash = relay.certificates().sha256Hex();
            HttpRoutes routes = new HttpRoutes()
                    .get(CERTIFICATE_PATH, q -> HttpResponses.text(HttpResponseStatus.OK, hash))
                    .get(EDGE_PATH, q -> HttpResponses.json(HttpResponseStatus.OK, edgeJson(hash)));
            // This relay's meters for Prometheus, and the player's time to first frame (see Metrics, README).
            routes.get(MetricsEndpoint.PATH, q -> MetricsEndpoint.response(relay.registry(), q))
                    .post(PlayerReports.TTFF_PATH, playerReports::ttff);
            http = GatewayHttpServer.bind(config.httpBind(), relay.nodeId() + "-gateway-http", routes,
                    Set.of(CERTIFICATE_PATH, EDGE_PATH, MetricsEndpoint.PATH, PlayerReports.TTFF_PATH),
                    new StaticFiles());
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        if (config.certificateOnWebTransportPort()) {
            bindCertificatePort(relay.certificates().sha256Hex());
        }
        LOG.info("{}: gateway serving WebTransport on udp {} and HTTP on tcp {}", relay.nodeId(),
                webTransport.localAddress(), http.localAddress());
        return this;
    }

    /**
     * {@code @moq/watch}, given an {@code http://host:port/} relay URL, fetches the certificate hash from that very
     * URL over TCP before it opens WebTransport to UDP {@code port}: so the hash is served there too. Not fatal: the
     * TCP port number may be taken by something else (moq-lite players then need another way to trust the
     * certificate).
     */
    private void bindCertificatePort(String hash) throws InterruptedException {
        InetSocketAddress udp = webTransport.localAddress();
        HttpRoutes routes = new HttpRoutes().get(CERTIFICATE_PATH, q -> HttpResponses.text(HttpResponseStatus.OK, hash));
        try {
            certificateHttp = GatewayHttpServer.bind(new InetSocketAddress(udp.getAddress(), udp.getPort()),
                    relay.nodeId() + "-gateway-cert", routes, Set.of(CERTIFICATE_PATH),
                    new StaticFiles(Gateway.class.getClassLoader(), "no-static-files-here"));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // A taken port fails the bind with Netty's NativeIoException, a checked exception thrown unchecked.
            LOG.warn("{}: cannot serve {} on tcp {} for moq-lite players: {}", relay.nodeId(), CERTIFICATE_PATH, udp,
                    e.toString());
        }
    }

    /** The TCP address serving {@code /certificate.sha256} at the WebTransport port number, or null. */
    public InetSocketAddress certificateAddress() {
        return certificateHttp == null ? null : certificateHttp.localAddress();
    }

    /** {@code broadcastKey}: what the player verifies objects with (base64, 32 bytes; null if the relay has none). */
    private String edgeJson(String hash) {
        String key = relay.broadcastKey();
        return "{\"node\":" + Json.string(relay.nodeId()) + ",\"webtransport\":" + Json.string(webTransportUrl(""))
                + ",\"certificateSha256\":" + Json.string(hash)
                + ",\"broadcastKey\":" + (key.isEmpty() ? "null" : Json.string(key)) + "}";
    }

    /** The bound UDP address of the WebTransport server. */
    public InetSocketAddress webTransportAddress() {
        return webTransport.localAddress();
    }

    /** The bound TCP address of the HTTP server. */
    public InetSocketAddress httpAddress() {
        return http.localAddress();
    }

    /** The URL a player opens a WebTransport session to for {@code broadcast}. */
    public String webTransportUrl(String broadcast) {
        InetSocketAddress bound = webTransport.localAddress();
        return "https://" + config.urlHost(bound) + ":" + bound.getPort() + "/watch/" + broadcast;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** What players reported to this gateway's HTTP port ({@code POST /api/ttff}). */
    public PlayerReports playerReports() {
        return playerReports;
    }

    public GatewayConfig config() {
        return config;
    }

    /** Open WebTransport sessions (asks the relay's thread). */
    public int sessionCount() {
        return relay.call(acceptor::sessionCount);
    }

    /**
     * Stops as a crash would (kill -9): the WebTransport socket closes at once and nothing is said to any viewer,
     * who notices only by silence. For chaos in tests and load tests; call before the relay's own crash.
     */
    public void crash() {
        if (closed) {
            return;
        }
        closed = true;
        if (webTransport != null && !relay.eventLoop().isShuttingDown()) {
            try {
                relay.eventLoop().submit(webTransport::abort).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("{}: gateway crash did not complete: {}", relay.nodeId(), e.toString());
            }
        }
        if (http != null) {
            http.close();
        }
        if (certificateHttp != null) {
            certificateHttp.close();
        }
        LOG.info("{}: gateway crashed (socket closed without a word)", relay.nodeId());
    }

    /** Ends every session with GOING_AWAY, then closes both ports. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (acceptor != null && !relay.eventLoop().isShuttingDown()) {
            try {
                relay.eventLoop().submit(acceptor::shutdown).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("{}: unclean gateway shutdown: {}", relay.nodeId(), e.toString());
            }
        }
        if (webTransport != null) {
            webTransport.close();
        }
        if (http != null) {
            http.close();
        }
        if (certificateHttp != null) {
            certificateHttp.close();
        }
        LOG.info("{}: gateway closed", relay.nodeId());
    }
}
