package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.MessageType;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.core.Limits;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * Each of a relay's per-peer {@link Limits}, hit on purpose over real QUIC: the peer gets the limit's error code,
 * the hit is counted under the limit's name, and peers within the limits are not affected.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionLimitsTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final Setup SETUP = new Setup(Alpn.VERSION_1, Role.VIEWER, "peer");

    private Relay relay;
    private EventLoopGroup loop;
    private QuicClientEndpoint endpoint;

    private void start(Limits limits, QuicSettings client) throws Exception {
        relay = new Relay(RelayConfig.builder().nodeId("limited").limits(limits).build()).start();
        loop = Transports.newGroup(1, "peers");
        endpoint = QuicClientEndpoint.bind(loop.next(), client, Alpn.TREECAST_1);
    }

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (loop != null) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (relay != null) {
            relay.close();
        }
    }

    /** A raw connection whose CONNECTION_CLOSE (or its absence: -1) is recorded. */
    private record Peer(QuicChannel connection, CompletableFuture<Long> closed) {
        QuicStreamChannel controlStream() throws Exception {
            return connection.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInboundHandlerAdapter())
                    .get(10, TimeUnit.SECONDS);
        }

        ErrorCode closeCode() throws Exception {
            return ErrorCode.of(closed.get(10, TimeUnit.SECONDS));
        }
    }

    private Peer connect() throws Exception {
        CompletableFuture<Long> closed = new CompletableFuture<>();
        QuicChannel connection = endpoint.connect(relay.quicAddress(), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof QuicConnectionCloseEvent e && e.isApplicationClose()) {
                    closed.complete((long) e.error());
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                closed.complete(-1L);
            }
        }, new ChannelInboundHandlerAdapter()).get(10, TimeUnit.SECONDS);
        return new Peer(connection, closed);
    }

    private ClientSession viewer(String name) throws Exception {
        return ClientSession.connect(endpoint, relay.quicAddress(), ClientSession.Options.viewer(name),
                new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
    }

    private static ByteBuf encode(ControlMessage... messages) {
        ByteBuf out = Unpooled.directBuffer();
        for (ControlMessage m : messages) {
            ControlCodec.encode(m, out);
        }
        return out;
    }

    @Test
    void aConnectionBeyondMaxSessionsIsClosedWithLimitExceededAndCounted() throws Exception {
        start(Limits.DEFAULT.withMaxSessions(2), QuicSettings.DEFAULT);
        ClientSession first = viewer("first");
        viewer("second");
        Peer third = connect();
        assertThat(third.closeCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(relay.metrics().limitsHit("sessions")).isEqualTo(1);
        Await.until("the refused connection gone", Duration.ofSeconds(5), () -> relay.metrics().connections() == 2,
                relay.metrics()::connections);

        // A place frees up when a session ends.
        first.close(ErrorCode.NO_ERROR, "bye");
        Await.until("the first session gone", Duration.ofSeconds(5), () -> relay.metrics().connections() == 1,
                relay.metrics()::connections);
        assertThat(viewer("fourth").isOpen()).isTrue();
        assertThat(relay.metrics().limitsHit("sessions")).isEqualTo(1);
    }

    @Test
    void aConnectionThatDoesNotSendSetupInTimeIsClosedWithTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        start(Limits.DEFAULT.withHandshakeTimeout(timeout), QuicSettings.DEFAULT);
        long startNanos = System.nanoTime();
        Peer silentWithStream = connect();
        silentWithStream.controlStream();
        Peer silent = connect();
        ClientSession honest = viewer("honest");

        assertThat(silentWithStream.closeCode()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(silent.closeCode()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat((System.nanoTime() - startNanos) / 1_000_000).isGreaterThanOrEqualTo(timeout.toMillis());
        assertThat(relay.metrics().limitsHit("handshake-timeout")).isEqualTo(2);
        // The honest viewer sent SETUP at once: it outlives the timeout.
        Await.until("only the honest viewer left", Duration.ofSeconds(5),
                () -> relay.metrics().connections() == 1, relay.metrics()::connections);
        assertThat(honest.isOpen()).isTrue();
        assertThat(relay.call(() -> relay.core().sessionCount())).isEqualTo(1);
    }

    @Test
    void aConnectionWhoseHandshakeFailsIsNotCountedForever() throws Exception {
        start(Limits.DEFAULT.withMaxSessions(1), QuicSettings.DEFAULT);
        // The wrong ALPN: the TLS handshake fails, so the connection never becomes active.
        QuicClientEndpoint wrong = QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT, "h3");
        try {
            assertThat(wrong.connect(relay.quicAddress(), new ChannelInboundHandlerAdapter(),
                    new ChannelInboundHandlerAdapter()).await(10, TimeUnit.SECONDS)).isTrue();
            Await.until("the failed connection forgotten", Duration.ofSeconds(10),
                    () -> relay.metrics().connections() == 0, relay.metrics()::connections);
        } finally {
            wrong.close();
        }
        // Its place was never taken: the one session allowed is still free.
        assertThat(viewer("after").isOpen()).isTrue();
        assertThat(relay.metrics().limitsHit("sessions")).isZero();
    }

    @Test
    void aMessageLongerThanTheControlBufferIsRefusedAtItsLengthPrefix() throws Exception {
        start(Limits.DEFAULT, QuicSettings.DEFAULT);
        Peer peer = connect();
        // BACKUPS may be 8 KiB on the wire, but only ever travels downstream: a subscriber announcing 5,000 bytes
        // of one is refused before sending them.
        ByteBuf bytes = encode(SETUP);
        Varint.write(bytes, MessageType.BACKUPS.id());
        Varint.write(bytes, 5000);
        peer.controlStream().writeAndFlush(bytes);
        assertThat(peer.closeCode()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(relay.metrics().protocolErrors(ErrorCode.MESSAGE_TOO_LARGE)).isEqualTo(1);
        assertThat(relay.metrics().limitsHit("control-message")).isEqualTo(1);
    }

    @Test
    void aPeerThatTalksButDoesNotReadItsControlStreamIsCutOffAtTheBacklogLimit() throws Exception {
        // The peer grants 1 KiB on its control stream and never reads it, so our HEARTBEAT echoes pile up.
        start(Limits.DEFAULT.withMaxControlBacklog(1024),
                new QuicSettings(Duration.ofSeconds(10), 1 << 20, 64 << 10, 1024, 100, 16));
        Peer peer = connect();
        QuicStreamChannel control = peer.controlStream();
        control.config().setAutoRead(false);
        control.writeAndFlush(encode(SETUP));
        for (int i = 0; i < 400 && !peer.closed().isDone(); i++) {
            // The largest heartbeat: 26 bytes each way. Once the relay cuts us off a write may fail before
            // closed() completes (the stream goes first): that is the outcome under test, checked below.
            if (!control.writeAndFlush(encode(new Heartbeat(Varint.MAX - i, Varint.MAX, Varint.MAX)))
                    .awaitUninterruptibly().isSuccess()) {
                break;
            }
        }
        assertThat(peer.closeCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(relay.metrics().limitsHit("control-backlog")).isEqualTo(1);
    }

    @Test
    void subscriptionsBeyondTheLimitAreRefusedWhileTheSessionStays() throws Exception {
        start(Limits.DEFAULT.withMaxSubscriptions(2), QuicSettings.DEFAULT);
        Publisher publisher = new Publisher(relay, VIDEO);
        ClientSession session = viewer("greedy");
        RecordingSubscriber[] subscribers = {new RecordingSubscriber(), new RecordingSubscriber(),
                new RecordingSubscriber(), new RecordingSubscriber()};
        for (RecordingSubscriber s : subscribers) {
            session.subscribe(VIDEO, StartPosition.LATEST, 0, s);
        }
        Await.until("every subscription answered", Duration.ofSeconds(10),
                () -> java.util.Arrays.stream(subscribers).allMatch(s -> s.subscribed() || s.error() != null));
        assertThat(subscribers[0].subscribed()).isTrue();
        assertThat(subscribers[1].subscribed()).isTrue();
        assertThat(subscribers[2].error()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(subscribers[3].error()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(subscribers[2].errorReason()).contains("at most 2 subscriptions");
        assertThat(relay.metrics().limitsHit("subscriptions")).isEqualTo(2);

        publisher.group(0, 3, 1000);
        Await.until("the accepted subscriptions are served", Duration.ofSeconds(10),
                () -> subscribers[0].count() == 3 && subscribers[1].count() == 3);
        assertThat(session.isOpen()).isTrue();
    }
}
