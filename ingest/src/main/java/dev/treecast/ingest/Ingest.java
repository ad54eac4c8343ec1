package dev.treecast.ingest;

import dev.treecast.transport.http.HttpResponses;
import dev.treecast.transport.http.HttpRoutes;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.ingest.director.Director;
import dev.treecast.ingest.tree.TreeControllerHost;
import dev.treecast.tree.TreeController;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.Relay;
import dev.treecast.transport.http.StaticFiles;
import dev.treecast.transport.Transports;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

/**
 * The root of the tree: a root {@link Relay} that relays connect to over QUIC, fed by encoders over HTTP
 * ({@code PUT /ingest/<broadcast>}, live CMAF), by the built-in looping clip, or by a synthetic source.
 * Embeddable: {@code new Ingest(config).start()}, then {@code close()}.
 */
public final class Ingest implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

    private final IngestConfig config;
    private final MeterRegistry registry;
    private final Clock clock;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final Map<String, BroadcastPublisher> broadcasts = new ConcurrentHashMap<>();
    private final List<AutoCloseable> sources = new CopyOnWriteArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpRoutes routes = new HttpRoutes();
    private final Director director = new Director();
    private Relay root;
    private volatile TreeControllerHost tree;
    private TreeController.Config controllerConfig;
    private io.netty.util.concurrent.ScheduledFuture<?> treeDuty;
    private dev.treecast.ingest.treemap.TreeMapFeed treeMap;
    private IngestMetrics metrics;
    private EventLoopGroup httpGroup;
    private Channel http;
    private KeyPair signingKey;
    private byte[] publicKey;

    public Ingest(IngestConfig config) {
        this(config, dev.treecast.relay.MetricsEndpoint.newRegistry(), Clock.systemUTC());
    }

    public Ingest(IngestConfig config, MeterRegistry registry, Clock clock) {
        this.config = config;
        this.registry = registry;
        this.clock = clock;
    }

    public Ingest start() throws InterruptedException {
        metrics = new IngestMetrics(registry);
        signingKey = config.signingKey() != null ? config.signingKey() : SigningKeys.generate();
        publicKey = ObjectSignature.rawPublicKey(signingKey.getPublic());
        root = new Relay(config.rootConfig(), registry).start();
        InetSocketAddress quic = root.quicAddress();
        String host = config.advertiseHost() != null ? config.advertiseHost()
                : quic.getAddress().isAnyLocalAddress() ? "127.0.0.1" : quic.getAddress().getHostAddress();
        controllerConfig = new TreeController.Config(root.nodeId(),
                (host.contains(":") ? "[" + host + "]" : host) + ":" + quic.getPort(), config.rootSlots(),
                Duration.ofSeconds(3), 4, 2);
        tree = new TreeControllerHost(new TreeController(controllerConfig, Duration.ZERO), director,
                config.viewerCapacity(), publicKey, System::nanoTime);
        root.call(() -> {
            root.core().controlPlane(tree);
            return null;
        });
        metrics.tree(() -> tree.view());
        treeDuty = root.eventLoop().scheduleAtFixedRate(() -> {
            tree.tick();
            metrics.treeChanged();
        }, 200, 200, TimeUnit.MILLISECONDS);
        routes.get(dev.treecast.relay.MetricsEndpoint.PATH, q -> dev.treecast.relay.MetricsEndpoint.response(registry,
                q));
        routes.post(dev.treecast.gateway.PlayerReports.TTFF_PATH, new dev.treecast.gateway.PlayerReports(registry,
                io.micrometer.core.instrument.Tags.of("node", root.nodeId()))::ttff);
        routes.get("/healthz", q -> HttpResponses.text(HttpResponseStatus.OK, "ok\n"));
        routes.get("/api/broadcasts", q -> HttpResponses.json(HttpResponseStatus.OK, broadcastsJson()));
        routes.get("/api/director", this::direct);
        routes.get("/api/tree", q -> {
            FullHttpResponse response = HttpResponses.json(HttpResponseStatus.OK,
                    toJson(TreeControllerHost.json(tree.view())));
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            return response;
        });
        // The live tree map: GET /tree (the page), /api/tree/map (a snapshot), /api/tree/events (SSE).
        treeMap = new dev.treecast.ingest.treemap.TreeMapFeed(() -> tree.treeMap(),
                dev.treecast.ingest.treemap.TreeMapFeed.DEFAULT_MAX_CLIENTS, registry);
        treeMap.install(routes);
        StaticFiles player = new StaticFiles();
        routes.fallback(q -> player.response(q.path()));
        httpGroup = Transports.newGroup(1, "ingest-http");
        try {
            http = new ServerBootstrap()
                    .group(httpGroup)
                    .channel(Transports.serverSocketChannel())
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(4096, 16 * 1024, 1 << 20),
                                    new HttpServerExpectContinueHandler(),
                                    new IngestHttpHandler(Ingest.this, routes));
                        }
                    })
                    .bind(config.http())
                    .sync()
                    .channel();
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("ingest: HTTP on {} (PUT /ingest/<broadcast>), tree root on quic {}", httpAddress(),
                root.quicAddress());
        LOG.info("ingest: signing every object with Ed25519, broadcast key {} ({})", publicKeyBase64(),
                config.signingKey() != null ? "configured" : "made for this run, not kept");
        if (config.operatorKey() != null) {
            LOG.info("ingest: holds the operator key {}: the director hands every viewer a token valid {} (demo mode)",
                    operatorKeyBase64(), DIRECTOR_TOKEN_TTL);
        }
        return this;
    }

    /** The operator's public key (base64 of its 32 raw bytes) when this ingest holds the operator key, else null. */
    public String operatorKeyBase64() {
        return config.operatorKey() == null ? null : java.util.Base64.getEncoder().encodeToString(
                ObjectSignature.rawPublicKey(config.operatorKey().getPublic()));
    }

    /** {@code GET /api/director?broadcast=B[&region=R]}: where a new viewer should go. */
    private FullHttpResponse direct(QueryStringDecoder query) {
        String broadcast = single(query, "broadcast");
        if (broadcast == null || !TrackName.isValidName(broadcast, TrackName.MAX_BROADCAST)) {
            throw new IllegalArgumentException("give a valid broadcast: /api/director?broadcast=NAME[&region=R]");
        }
        String region = single(query, "region");
        FullHttpResponse response = director.choose(broadcast, region)
                .map(answer -> HttpResponses.json(HttpResponseStatus.OK, toJson(directorJson(broadcast, answer))))
                .orElseGet(() -> HttpResponses.json(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        toJson(Map.of("broadcast", broadcast, "error", director.size() == 0
                                ? "no relay serves viewers yet" : "every relay is full"))));
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        return response;
    }

    /**
     * The director's answer plus the key the player verifies objects with, and, when this ingest holds the operator
     * key (demo mode), a fresh viewer token for the broadcast: in {@code token}, and on every URL
     * ({@code ?token=...}), so that a client that only follows the URL presents it too.
     */
    private Map<String, Object> directorJson(String broadcast, Director.Answer answer) {
        String token = null;
        if (config.operatorKey() != null) {
            long expires = clock.millis() / 1000 + DIRECTOR_TOKEN_TTL.toSeconds();
            token = AccessToken.viewer(broadcast, null, expires, "director")
                    .sign(config.operatorKey().getPrivate());
            String query = "?" + dev.treecast.gateway.Gateway.TOKEN_PARAMETER + "=" + token;
            List<Director.Offer> alternates = new ArrayList<>();
            answer.alternates().forEach(o -> alternates.add(withQuery(o, query)));
            answer = new Director.Answer(withQuery(answer.edge(), query), alternates);
        }
        Map<String, Object> json = new java.util.LinkedHashMap<>(Director.json(broadcast, answer));
        json.put("broadcastKey", publicKeyBase64());
        if (token != null) {
            json.put("token", token);
        }
        return json;
    }

    private static Director.Offer withQuery(Director.Offer offer, String query) {
        return new Director.Offer(offer.node(), offer.url() + query, offer.certificateSha256(), offer.region(),
                offer.viewers(), offer.capacity());
    }

    /** How long a viewer token from the director is valid: it is checked when a session starts, not after. */
    public static final Duration DIRECTOR_TOKEN_TTL = Duration.ofHours(1);

    private static String single(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where new viewers are sent; edges register here. */
    public Director director() {
        return director;
    }

    private String broadcastsJson() {
        StringBuilder json = new StringBuilder("[");
        broadcasts.values().forEach(b -> json.append(json.length() > 1 ? "," : "").append("{\"name\":\"")
                .append(b.broadcast()).append("\",\"live\":").append(b.isLive()).append("}"));
        return json.append("]").toString();
    }

    /** The publisher of {@code name}, created on first use (its catalog track exists from then on). */
    public BroadcastPublisher broadcast(String name) {
        // One signer per publisher: a publisher's calls come from one source thread at a time.
        return broadcasts.computeIfAbsent(name, n -> new BroadcastPublisher(n, root.origin(), clock, alloc, metrics,
                new ObjectSignature.Signer(signingKey.getPrivate())));
    }

    /** The raw Ed25519 public key every object is signed with (a copy): relays and players verify with it. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** {@link #publicKey()} as base64, as printed, given to {@code --broadcast-key} and served to players. */
    public String publicKeyBase64() {
        return java.util.Base64.getEncoder().encodeToString(publicKey);
    }

    CmafPackager newPackager(BroadcastPublisher publisher) {
        return new CmafPackager(publisher, alloc, config.maxBoxSize());
    }

    /** Starts replaying the built-in demo clip as {@code broadcast}. */
    public ClipSource playDemoClip(String broadcast) {
        return playClip(broadcast, ClipSource.DEMO_CLIP);
    }

    /** Starts replaying a CMAF clip from the classpath as {@code broadcast}, in a loop. */
    public ClipSource playClip(String broadcast, String resource) {
        ClipSource source = new ClipSource(broadcast(broadcast), ClipSource.loadResource(resource, alloc), alloc);
        sources.add(source);
        return source;
    }

    /** Starts a synthetic source: {@code bitsPerSecond} in 30 objects a second, a group a second. */
    public SyntheticSource synthetic(String broadcast, long bitsPerSecond) {
        return synthetic(broadcast, bitsPerSecond, 30, Duration.ofSeconds(1));
    }

    public SyntheticSource synthetic(String broadcast, long bitsPerSecond, int objectsPerSecond,
                                     Duration groupDuration) {
        SyntheticSource source = new SyntheticSource(broadcast(broadcast), bitsPerSecond, objectsPerSecond,
                groupDuration);
        sources.add(source);
        return source;
    }

    /** The root relay (its QUIC address is where relays connect). */
    public Relay root() {
        return root;
    }

    public InetSocketAddress quicAddress() {
        return root.quicAddress();
    }

    public InetSocketAddress httpAddress() {
        return (InetSocketAddress) http.localAddress();
    }

    public HttpRoutes routes() {
        return routes;
    }

    public IngestMetrics metrics() {
        return metrics;
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        List<AutoCloseable> running = new ArrayList<>(sources);
        sources.clear();
        for (AutoCloseable source : running) {
            try {
                source.close();
            } catch (Exception e) {
                LOG.warn("source did not stop cleanly: {}", e.toString());
            }
        }
        if (http != null) {
            http.close().syncUninterruptibly();
        }
        if (httpGroup != null) {
            httpGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (treeDuty != null) {
            treeDuty.cancel(false);
        }
        if (root != null) {
            root.close();
        }
    }

    /**
     * Simulates losing the tree controller (a crash and restart of the controller alone): its map is dropped and
     * every relay's controller session closed. Data keeps flowing and local repairs keep working meanwhile; the
     * new controller waits one report timeout, rebuilding its map from the relays' reports, before it moves
     * anyone.
     */
    public void restartController() {
        root.call(() -> {
            TreeControllerHost fresh = new TreeControllerHost(new TreeController(controllerConfig), director,
                    config.viewerCapacity(), publicKey, System::nanoTime);
            root.core().controlPlane(fresh);
            for (dev.treecast.relay.core.DownstreamSession s : List.copyOf(root.core().sessions())) {
                if (s.isControllerSession()) {
                    s.close(dev.treecast.protocol.ErrorCode.GOING_AWAY, "controller restarting");
                }
            }
            tree = fresh;
            return null;
        });
    }

    /** The live tree map's page and feed on the HTTP port. */
    public dev.treecast.ingest.treemap.TreeMapFeed treeMapFeed() {
        return treeMap;
    }

    /** The tree controller's adapter (its map: {@code tree().view()}). */
    public TreeControllerHost tree() {
        return tree;
    }
}
