package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.gateway.SilentConnectionsTest.CloseRecorder;
import dev.treecast.gateway.SilentConnectionsTest.Discard;
import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.gateway.webtransport.Capsule;
import dev.treecast.gateway.webtransport.CapsuleDecoder;
import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.relay.core.Limits;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.Future;

/**
 * A hundred clients on each listener of a relay (its QUIC port and its WebTransport gateway) send random bytes on
 * every stream they can open, all at the same time, while honest viewers on both watch: nothing escapes as an
 * exception, every hostile client is closed with an error code (counted by code), the honest viewers get every
 * object on time without a reset, and the relay still takes new viewers afterwards.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GarbageClientsTest {
    private static final int QUIC_CLIENTS = 100;
    /** Half send garbage instead of HTTP/3, half open a proper session and send garbage inside it. */
    private static final int WEBTRANSPORT_CLIENTS = 100;
    private static final int BATCH = 25;
    /** Shorter than the default, so that clients stuck inside a half message do not make the test wait 5 s. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    private static ResourceLeakDetector.Level leakLevel;

    private Relay relay;
    private Gateway gateway;
    private HonestViewers honest;
    private EventLoopGroup crowdLoop;
    private final List<QuicClientEndpoint> endpoints = new ArrayList<>();
    private Channel h3Socket;

    /** See {@link SilentConnectionsTest#sampleLeaks()}. */
    @BeforeAll
    static void sampleLeaks() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    }

    @AfterAll
    static void restoreLeakLevel() {
        ResourceLeakDetector.setLevel(leakLevel);
    }

    @AfterEach
    void stop() {
        if (honest != null) {
            honest.close();
        }
        endpoints.forEach(QuicClientEndpoint::close);
        if (h3Socket != null) {
            h3Socket.close().syncUninterruptibly();
        }
        if (crowdLoop != null) {
            crowdLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    /** How one hostile client was closed. */
    private record Outcome(String kind, CompletableFuture<QuicConnectionCloseEvent> connectionClose,
                           CompletableFuture<Long> sessionClose) {
        boolean done() {
            return connectionClose.isDone();
        }

        /** The code it was closed with: its session's (CLOSE_WEBTRANSPORT_SESSION) if any, else its connection's. */
        String code() {
            Long session = sessionClose == null ? null : sessionClose.getNow(null);
            if (session != null) {
                return "session " + ErrorCode.of(session);
            }
            QuicConnectionCloseEvent close = connectionClose.getNow(null);
            if (close == null) {
                return "no CONNECTION_CLOSE";
            }
            if (!close.isApplicationClose()) {
                return "QUIC transport error 0x" + Integer.toHexString(close.error());
            }
            ErrorCode treecast = ErrorCode.of(close.error());
            if (treecast != ErrorCode.UNKNOWN) {
                return treecast.name();
            }
            for (Http3ErrorCode h3 : Http3ErrorCode.values()) {
                if (h3.code() == close.error()) {
                    return h3.name();
                }
            }
            return "0x" + Integer.toHexString(close.error());
        }

        boolean closedWithAnError() {
            String code = code();
            return !code.equals("no CONNECTION_CLOSE") && !code.endsWith("NO_ERROR");
        }
    }

    @Test
    void clientsSendingRandomBytesOnEveryStreamAreClosedWithAnErrorWhileHonestViewersWatchUndisturbed()
            throws Exception {
        relay = new Relay(RelayConfig.builder().nodeId("edge")
                .limits(Limits.DEFAULT.withHandshakeTimeout(HANDSHAKE_TIMEOUT)).build()).start();
        gateway = new Gateway(relay, GatewayConfig.builder().handshakeTimeout(HANDSHAKE_TIMEOUT).build()).start();
        honest = new HonestViewers(relay, relay).join(2, 2, gateway);
        honest.startPublishing();

        long seed = System.nanoTime();
        crowdLoop = Transports.newGroup(1, "garbage-crowd");
        QuicClientEndpoint quic = endpoint(Alpn.TREECAST_1);
        QuicClientEndpoint h3Raw = endpoint(Gateway.ALPN_H3);
        h3Socket = http3Socket();
        List<Outcome> outcomes = new ArrayList<>();
        for (int started = 0; started < Math.max(QUIC_CLIENTS, WEBTRANSPORT_CLIENTS); started += BATCH) {
            List<Future<QuicChannel>> batch = new ArrayList<>();
            for (int i = started; i < started + BATCH; i++) {
                Random random = new Random(seed + i);
                if (i < QUIC_CLIENTS) {
                    batch.add(garbageOverQuic(quic, random, outcomes));
                }
                if (i < WEBTRANSPORT_CLIENTS) {
                    batch.add(i % 2 == 0 ? garbageInsteadOfHttp3(h3Raw, random, outcomes)
                            : garbageInsideASession(random, outcomes));
                }
            }
            for (Future<QuicChannel> f : batch) {
                f.await(10, TimeUnit.SECONDS);
            }
        }

        Await.until("every hostile client closed", Duration.ofSeconds(20),
                () -> outcomes.stream().allMatch(Outcome::done),
                () -> outcomes.stream().filter(o -> !o.done()).map(Outcome::kind).toList());
        // A session's capsule comes before its connection's close; give the last ones a moment to be read.
        Map<String, Map<String, Integer>> codes = new TreeMap<>();
        for (Outcome o : outcomes) {
            codes.computeIfAbsent(o.kind(), k -> new TreeMap<>()).merge(o.code(), 1, Integer::sum);
        }
        System.out.printf("hostile clients (seed %d), how each was closed: %s%n", seed, codes);
        System.out.printf("relay: protocol errors %s, limits hit %s; gateway: protocol errors %s, limits hit %s,"
                        + " HTTP/3 errors %d, sessions closed for a protocol error %d, for a limit %d, streams"
                        + " refused %s%n", relay.metrics().protocolErrors(), relay.metrics().limitsHit(),
                gateway.metrics().protocolErrors(), gateway.metrics().limitsHit(), gateway.metrics().http3Errors(),
                gateway.metrics().sessionsClosed(CloseReason.PROTOCOL_ERROR),
                gateway.metrics().sessionsClosed(CloseReason.LIMIT), streamsRefused());
        assertThat(outcomes).hasSize(QUIC_CLIENTS + WEBTRANSPORT_CLIENTS);
        assertThat(outcomes).as("every hostile client closed with an error code: %s", codes)
                .allMatch(Outcome::closedWithAnError);

        // Counted on our side too (a client may break more than one rule before it is gone), never as our own
        // failure: treecast/1 violations (both transports) in the relay's metrics, set-up timeouts of either
        // listener, connections HTTP/3 closed in the gateway's.
        long counted = relay.metrics().protocolErrors().values().stream().mapToLong(Long::longValue).sum()
                + relay.metrics().limitsHit("handshake-timeout") + gateway.metrics().limitsHit("handshake-timeout")
                + gateway.metrics().http3Errors();
        assertThat(counted).as("hostile clients counted").isGreaterThanOrEqualTo(QUIC_CLIENTS + WEBTRANSPORT_CLIENTS);
        assertThat(gateway.metrics().sessionsClosed(CloseReason.PROTOCOL_ERROR)
                + gateway.metrics().sessionsClosed(CloseReason.LIMIT)).as("sessions the gateway closed")
                .isEqualTo(WEBTRANSPORT_CLIENTS / 2);
        assertThat(relay.metrics().protocolErrors(ErrorCode.INTERNAL_ERROR)).as("internal errors").isZero();
        assertThat(gateway.metrics().sessionsClosed(CloseReason.INTERNAL_ERROR)).as("internal errors").isZero();
        Await.until("only the honest viewers left", Duration.ofSeconds(10),
                () -> relay.metrics().connections() == 2 && gateway.metrics().connections() == 2,
                () -> relay.metrics().connections() + " + " + gateway.metrics().connections());

        // The relay still takes new viewers, over both transports.
        assertNewViewerServed(ClientSession.connect(quic, relay.quicAddress(),
                SubscriberSession.Options.viewer("late-quic"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS));
        QuicClientEndpoint webTransport = WebTransportSession.bindEndpoint(crowdLoop.next(),
                new InetSocketAddress("127.0.0.1", 0));
        endpoints.add(webTransport);
        assertNewViewerServed(WebTransportSession.connect(webTransport,
                URI.create(gateway.webTransportUrl(HonestViewers.VIDEO.broadcast())),
                SubscriberSession.Options.viewer("late-webtransport"),
                new SubscriberSession.Listener<WebTransportSession>() {
                }).get(10, TimeUnit.SECONDS));

        HonestViewers.Report report = honest.stopAndCheck(Duration.ofSeconds(1));
        System.out.println(report);
        assertThat(report.objectsPublished()).as("objects published meanwhile").isGreaterThan(100);
        assertThat(relay.metrics().groupsReset()).as("groups reset").isZero();
    }

    private void assertNewViewerServed(SubscriberSession session) {
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(HonestViewers.VIDEO, StartPosition.LATEST, 1, recorder);
        Await.until(session + " receives a whole group", Duration.ofSeconds(10),
                () -> recorder.endsWith(ErrorCode.NO_ERROR) >= 1, recorder::count);
        session.close(ErrorCode.NO_ERROR, "seen enough");
    }

    private String streamsRefused() {
        Map<String, Long> refused = new TreeMap<>();
        for (String kind : List.of("extra-bidi", "unknown-session", "webtransport-uni", "unknown-type")) {
            refused.put(kind, gateway.metrics().streamsRefused(kind));
        }
        return refused.toString();
    }

    private QuicClientEndpoint endpoint(String alpn) throws InterruptedException {
        QuicClientEndpoint endpoint = QuicClientEndpoint.bind(crowdLoop.next(), new InetSocketAddress("127.0.0.1", 0),
                QuicSettings.DEFAULT, alpn).connectTimeout(Duration.ofSeconds(10));
        endpoints.add(endpoint);
        return endpoint;
    }

    /** A UDP socket for HTTP/3 connections made by hand (Netty's HTTP/3 client codec). */
    private Channel http3Socket() throws InterruptedException {
        var ssl = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(Http3.supportedApplicationProtocols()).build();
        var codec = Http3.newQuicClientCodecBuilder().sslContext(ssl)
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .initialMaxData(1 << 20)
                .initialMaxStreamDataBidirectionalLocal(256 << 10)
                .initialMaxStreamDataBidirectionalRemote(256 << 10)
                .initialMaxStreamsUnidirectional(100)
                .initialMaxStreamDataUnidirectional(256 << 10)
                .build();
        return new Bootstrap().group(crowdLoop).channel(Transports.datagramChannel()).handler(codec)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** treecast/1 over QUIC: random bytes on the control stream, another bidirectional and a unidirectional one. */
    private Future<QuicChannel> garbageOverQuic(QuicClientEndpoint endpoint, Random random, List<Outcome> outcomes) {
        CompletableFuture<QuicConnectionCloseEvent> closed = new CompletableFuture<>();
        outcomes.add(new Outcome("quic", closed, null));
        Future<QuicChannel> connected = endpoint.connect(relay.quicAddress(), new CloseRecorder(closed),
                Discard.INSTANCE);
        connected.addListener(f -> {
            if (f.isSuccess()) {
                QuicChannel connection = connected.getNow();
                sendGarbage(connection, QuicStreamType.BIDIRECTIONAL, null, random);
                sendGarbage(connection, QuicStreamType.BIDIRECTIONAL, null, random);
                sendGarbage(connection, QuicStreamType.UNIDIRECTIONAL, null, random);
            }
        });
        return connected;
    }

    /** ALPN h3, but random bytes where HTTP/3 expects a request or a control stream. */
    private Future<QuicChannel> garbageInsteadOfHttp3(QuicClientEndpoint endpoint, Random random,
                                                      List<Outcome> outcomes) {
        CompletableFuture<QuicConnectionCloseEvent> closed = new CompletableFuture<>();
        outcomes.add(new Outcome("webtransport: garbage instead of HTTP/3", closed, null));
        Future<QuicChannel> connected = endpoint.connect(gateway.webTransportAddress(), new CloseRecorder(closed),
                Discard.INSTANCE);
        connected.addListener(f -> {
            if (f.isSuccess()) {
                QuicChannel connection = connected.getNow();
                sendGarbage(connection, QuicStreamType.BIDIRECTIONAL, null, random);
                sendGarbage(connection, QuicStreamType.UNIDIRECTIONAL, null, random);
                sendGarbage(connection, QuicStreamType.BIDIRECTIONAL, null, random);
            }
        });
        return connected;
    }

    /**
     * A proper extended CONNECT, then random capsules on the CONNECT stream and random bytes on every WebTransport
     * stream it can open: the control stream, another bidirectional one and a unidirectional one.
     */
    private Future<QuicChannel> garbageInsideASession(Random random, List<Outcome> outcomes) {
        CompletableFuture<QuicConnectionCloseEvent> closed = new CompletableFuture<>();
        CompletableFuture<Long> sessionClosed = new CompletableFuture<>();
        outcomes.add(new Outcome("webtransport: garbage inside a session", closed, sessionClosed));
        Future<QuicChannel> connected = QuicChannel.newBootstrap(h3Socket)
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel channel) {
                        channel.pipeline().addLast(new Http3ClientConnectionHandler(), new CloseRecorder(closed));
                    }
                })
                .remoteAddress(gateway.webTransportAddress())
                .connect();
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                return;
            }
            QuicChannel connection = connected.getNow();
            Http3.newRequestStream(connection, new HostileSession(random, sessionClosed)).addListener(s -> {
                if (s.isSuccess()) {
                    QuicStreamChannel stream = (QuicStreamChannel) s.getNow();
                    Http3Headers headers = new DefaultHttp3HeadersFrame().headers();
                    headers.method("CONNECT").protocol("webtransport").scheme("https")
                            .authority("127.0.0.1:" + gateway.webTransportAddress().getPort())
                            .path("/watch/" + HonestViewers.VIDEO.broadcast());
                    stream.writeAndFlush(new DefaultHttp3HeadersFrame(headers));
                }
            });
        });
        return connected;
    }

    /** The CONNECT stream of a hostile session: on 200 it sends its garbage; it reads the server's capsules. */
    private static final class HostileSession extends Http3RequestStreamInboundHandler {
        private final Random random;
        private final CompletableFuture<Long> sessionClosed;
        private final CapsuleDecoder capsules = new CapsuleDecoder();

        HostileSession(Random random, CompletableFuture<Long> sessionClosed) {
            this.random = random;
            this.sessionClosed = sessionClosed;
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            if (!"200".contentEquals(frame.headers().status())) {
                return;
            }
            QuicStreamChannel connect = (QuicStreamChannel) ctx.channel();
            long sessionId = connect.streamId();
            QuicChannel connection = connect.parent();
            ctx.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(randomBytes(random))));
            ByteBuf bidi = Unpooled.buffer();
            StreamPrefix.writeBidirectional(bidi, sessionId);
            sendGarbage(connection, QuicStreamType.BIDIRECTIONAL, bidi, random);
            ByteBuf uni = Unpooled.buffer();
            StreamPrefix.writeUnidirectional(uni, sessionId);
            sendGarbage(connection, QuicStreamType.UNIDIRECTIONAL, uni, random);
            ByteBuf extra = Unpooled.buffer();
            StreamPrefix.writeBidirectional(extra, sessionId);
            sendGarbage(connection, QuicStreamType.BIDIRECTIONAL, extra, random);
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            try {
                capsules.decode(frame.content(), capsule -> {
                    if (capsule instanceof Capsule.CloseSession close) {
                        sessionClosed.complete(close.code());
                    }
                });
            } catch (RuntimeException e) {
                // Not the test's business: the server's capsules are checked elsewhere.
            } finally {
                frame.release();
            }
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            capsules.release();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The server reset or stopped the stream: how the session ended is in the capsule or the close.
        }
    }

    /** Opens a stream and writes {@code prefix} (if any) and random bytes in a few writes. */
    private static void sendGarbage(QuicChannel connection, QuicStreamType type, ByteBuf prefix, Random random) {
        byte[][] chunks = {randomBytes(random), randomBytes(random), randomBytes(random)};
        connection.createStream(type, Discard.INSTANCE).addListener(f -> {
            if (!f.isSuccess()) {
                if (prefix != null) {
                    prefix.release();
                }
                return; // over the stream limit, or the connection is gone already
            }
            QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
            if (prefix != null) {
                stream.write(prefix);
            }
            for (byte[] chunk : chunks) {
                stream.write(Unpooled.wrappedBuffer(chunk));
            }
            stream.flush();
        });
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(1500)];
        random.nextBytes(bytes);
        return bytes;
    }
}
