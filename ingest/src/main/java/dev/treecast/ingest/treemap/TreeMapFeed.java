package dev.treecast.ingest.treemap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.transport.http.HttpResponses;
import dev.treecast.transport.http.HttpRoutes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The live tree map on the ingest's HTTP port: the page ({@code GET /tree}, plain HTML + an ES module + SVG, no
 * build step, nothing from elsewhere), a snapshot ({@code GET /api/tree/map}) and a Server-Sent Events feed
 * ({@code GET /api/tree/events}) that sends a new snapshot as soon as the controller makes one.
 *
 * <p>The controller's thread only publishes a snapshot reference ({@link #source}); every connection pulls from it
 * on its own HTTP event loop, a few times a second. A snapshot is encoded once, whoever asks first. A browser that
 * reads slowly is never waited for: while its connection is not writable it misses snapshots (each one is whole,
 * and carries the recent events, so it loses nothing it needs) and gets the latest when it catches up. The number of
 * feed connections is bounded; one over the bound gets {@code 503}.
 */
public final class TreeMapFeed {
    private static final Logger LOG = LoggerFactory.getLogger(TreeMapFeed.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The feed's path. */
    public static final String EVENTS_PATH = "/api/tree/events";
    /** Feed connections served at once by default (a tree map is an operator's page, not a viewer's). */
    public static final int DEFAULT_MAX_CLIENTS = 16;
    static final long PUSH_EVERY_MILLIS = 100;
    static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREAMBLE = "retry: 1000\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Supplier<TreeMapSnapshot> source;
    private final int maxClients;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicReference<Encoded> encoded = new AtomicReference<>();
    private final Counter refused;
    private final Counter skipped;
    private final byte[] page;
    private final byte[] script;

    private record Encoded(TreeMapSnapshot snapshot, byte[] json, byte[] event) {
    }

    /**
     * @param source     the latest snapshot (read from HTTP threads: a volatile read, nothing more)
     * @param maxClients feed connections served at once
     */
    public TreeMapFeed(Supplier<TreeMapSnapshot> source, int maxClients, MeterRegistry registry) {
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients " + maxClients + " < 1");
        }
        this.source = source;
        this.maxClients = maxClients;
        Gauge.builder("treecast.ingest.treemap.clients", clients, AtomicInteger::get)
                .description("tree map feed connections open").register(registry);
        refused = Counter.builder("treecast.ingest.treemap.refused")
                .description("tree map feed connections refused: too many open").register(registry);
        skipped = Counter.builder("treecast.ingest.treemap.skipped")
                .description("tree map snapshots not sent to a feed connection that was not writable")
                .register(registry);
        page = resource("treemap/index.html");
        script = resource("treemap/treemap.js");
    }

    /** Serves the page and the snapshot on {@code routes} (the feed itself needs the connection: {@link #open}). */
    public void install(HttpRoutes routes) {
        routes.get("/tree", q -> HttpResponses.bytes(HttpResponseStatus.OK, "text/html; charset=utf-8", page));
        routes.get("/tree/", q -> HttpResponses.bytes(HttpResponseStatus.OK, "text/html; charset=utf-8", page));
        routes.get("/tree/treemap.js", q -> HttpResponses.bytes(HttpResponseStatus.OK,
                "text/javascript; charset=utf-8", script));
        routes.get("/api/tree/map", q -> {
            FullHttpResponse response = HttpResponses.bytes(HttpResponseStatus.OK, "application/json",
                    current().json());
            response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            return response;
        });
    }

    /** Whether {@code request} asks for the feed. */
    public boolean handles(HttpRequest request) {
        return request.method().equals(HttpMethod.GET)
                && new QueryStringDecoder(request.uri()).path().equals(EVENTS_PATH);
    }

    /** Feed connections open now. */
    public int clients() {
        return clients.get();
    }

    /**
     * Turns the connection into a feed: a {@code text/event-stream} response that stays open, one {@code data:}
     * message per snapshot. Over the bound: {@code 503} and the connection closed.
     */
    public void open(ChannelHandlerContext ctx, HttpRequest request) {
        if (clients.incrementAndGet() > maxClients) {
            clients.decrementAndGet();
            refused.increment();
            LOG.warn("tree map feed: refusing {}: {} connections open already", ctx.channel().remoteAddress(),
                    maxClients);
            FullHttpResponse busy = HttpResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "the tree map feed serves " + maxClients + " connections at most; poll /api/tree/map instead\n");
            busy.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            HttpResponses.sendAndClose(ctx, busy);
            return;
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        HttpUtil.setTransferEncodingChunked(response, true);
        ctx.write(response);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(PREAMBLE)));
        Client client = new Client(ctx);
        client.task = ctx.executor().scheduleAtFixedRate(client, 0, PUSH_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener((ChannelFutureListener) f -> {
            client.task.cancel(false);
            clients.decrementAndGet();
        });
    }

    /** One feed connection; runs on its channel's event loop only. */
    private final class Client implements Runnable {
        private final ChannelHandlerContext ctx;
        private ScheduledFuture<?> task;
        private TreeMapSnapshot sent;
        private long lastWrite = System.nanoTime();

        Client(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void run() {
            if (!ctx.channel().isActive()) {
                task.cancel(false);
                return;
            }
            TreeMapSnapshot latest = source.get();
            long now = System.nanoTime();
            if (latest != sent) {
                if (!ctx.channel().isWritable()) {
                    skipped.increment();
                    return;
                }
                Encoded e = current();
                sent = e.snapshot();
                lastWrite = now;
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(e.event())));
            } else if (now - lastWrite >= KEEP_ALIVE_NANOS && ctx.channel().isWritable()) {
                lastWrite = now;
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(KEEP_ALIVE)));
            }
        }
    }

    /** The latest snapshot, encoded (once per snapshot, by whichever thread asks first). */
    private Encoded current() {
        TreeMapSnapshot latest = source.get();
        Encoded e = encoded.get();
        if (e != null && e.snapshot() == latest) {
            return e;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(latest);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode the tree map", ex);
        }
        byte[] prefix = "data: ".getBytes(StandardCharsets.US_ASCII);
        byte[] event = new byte[prefix.length + json.length + 2];
        System.arraycopy(prefix, 0, event, 0, prefix.length);
        System.arraycopy(json, 0, event, prefix.length, json.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        Encoded fresh = new Encoded(latest, json, event);
        encoded.set(fresh);
        return fresh;
    }

    private static byte[] resource(String name) {
        try (InputStream in = TreeMapFeed.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
