package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.testing.RecordingSubscriber;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
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
 * Malformed and oversize input from one peer: that peer's connection is closed with the matching error code, the
 * violation is counted, and an honest subscriber on the same relay keeps receiving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MalformedPeerTest {
    private static final TrackName VIDEO = new TrackName("live", "video");

    private Relay root;
    private EventLoopGroup loop;
    private QuicClientEndpoint endpoint;
    private RecordingSubscriber honest;
    private Publisher publisher;
    private long nextGroup;

    @BeforeEach
    void start() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        publisher = new Publisher(root, VIDEO);
        loop = Transports.newGroup(1, "peers");
        endpoint = QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        ClientSession session = ClientSession.connect(endpoint, root.quicAddress(),
                ClientSession.Options.viewer("honest"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        honest = new RecordingSubscriber();
        session.subscribe(VIDEO, StartPosition.LATEST, 1, honest);
        Await.until("honest subscriber accepted", Duration.ofSeconds(10), honest::subscribed);
        assertHonestSubscriberStillServed();
    }

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (loop != null) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (root != null) {
            root.close();
        }
    }

    private void assertHonestSubscriberStillServed() {
        long group = nextGroup++;
        int before = honest.count();
        for (int o = 0; o < 3; o++) {
            publisher.publish(group, o, 5000);
        }
        publisher.endGroup(group);
        Await.until("honest subscriber receives group " + group, Duration.ofSeconds(10),
                () -> honest.count() == before + 3, honest::count);
    }

    /** Opens a raw connection, runs {@code script} on its control stream, and returns the close code it gets. */
    private long closeCodeAfter(java.util.function.Consumer<QuicStreamChannel> script) throws Exception {
        CompletableFuture<Long> closed = new CompletableFuture<>();
        QuicChannel connection = endpoint.connect(root.quicAddress(), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof QuicConnectionCloseEvent e) {
                    closed.complete((long) e.error());
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                closed.complete(-1L);
            }
        }, new ChannelInboundHandlerAdapter()).get(10, TimeUnit.SECONDS);
        QuicStreamChannel control = connection.createStream(QuicStreamType.BIDIRECTIONAL,
                new ChannelInboundHandlerAdapter()).get(10, TimeUnit.SECONDS);
        script.accept(control);
        return closed.get(10, TimeUnit.SECONDS);
    }

    private static ByteBuf encode(Object... messages) {
        ByteBuf out = Unpooled.directBuffer();
        for (Object m : messages) {
            if (m instanceof dev.treecast.protocol.control.ControlMessage message) {
                ControlCodec.encode(message, out);
            } else {
                out.writeBytes((byte[]) m);
            }
        }
        return out;
    }

    private static final Setup SETUP = new Setup(Alpn.VERSION_1, Role.VIEWER, "hostile");

    @Test
    void anUnknownMessageTypeClosesThatPeerWithUnknownMessageType() throws Exception {
        long code = closeCodeAfter(s -> s.writeAndFlush(encode(SETUP, new byte[] {0x3e, 0x01, 0x00})));
        assertThat(ErrorCode.of(code)).isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE);
        assertThat(root.metrics().protocolErrors(ErrorCode.UNKNOWN_MESSAGE_TYPE)).isEqualTo(1);
        assertHonestSubscriberStillServed();
    }

    @Test
    void anOversizeLengthIsRefusedBeforeThePayloadArrives() throws Exception {
        // SUBSCRIBE claiming a one-megabyte payload; only the prefix is ever sent.
        ByteBuf prefix = Unpooled.directBuffer();
        Varint.write(prefix, 0x03);
        Varint.write(prefix, 1 << 20);
        byte[] header = new byte[prefix.readableBytes()];
        prefix.readBytes(header);
        prefix.release();
        long code = closeCodeAfter(s -> s.writeAndFlush(encode(SETUP, header)));
        assertThat(ErrorCode.of(code)).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(root.metrics().protocolErrors(ErrorCode.MESSAGE_TOO_LARGE)).isEqualTo(1);
        assertHonestSubscriberStillServed();
    }

    @Test
    void aMalformedPayloadClosesThatPeerWithMalformedMessage() throws Exception {
        // SUBSCRIBE whose broadcast string claims more bytes than the message holds.
        byte[] bad = {0x03, 0x04, 0x00, 0x3f, 'a', 'b'};
        long code = closeCodeAfter(s -> s.writeAndFlush(encode(SETUP, bad)));
        assertThat(ErrorCode.of(code)).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        assertHonestSubscriberStillServed();
    }

    @Test
    void subscribingBeforeSetupIsAProtocolViolation() throws Exception {
        Subscribe subscribe = new Subscribe(0, VIDEO, StartPosition.LATEST, 0);
        long code = closeCodeAfter(s -> s.writeAndFlush(encode(subscribe)));
        assertThat(ErrorCode.of(code)).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
        assertHonestSubscriberStillServed();
    }

    @Test
    void aDuplicateSubscriptionIdClosesThatPeer() throws Exception {
        Subscribe subscribe = new Subscribe(7, VIDEO, StartPosition.LATEST, 0);
        long code = closeCodeAfter(s -> s.writeAndFlush(encode(SETUP, subscribe, subscribe)));
        assertThat(ErrorCode.of(code)).isEqualTo(ErrorCode.DUPLICATE_SUBSCRIPTION);
        assertHonestSubscriberStillServed();
    }

    @Test
    void aSubscriberOpeningAUnidirectionalStreamIsAProtocolViolation() throws Exception {
        long code = closeCodeAfter(control -> {
            control.writeAndFlush(encode(SETUP));
            control.parent().createStream(QuicStreamType.UNIDIRECTIONAL, new ChannelInboundHandlerAdapter())
                    .addListener(f -> ((QuicStreamChannel) f.getNow()).writeAndFlush(encode(new byte[] {1, 2, 3})));
        });
        assertThat(ErrorCode.of(code)).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
        assertHonestSubscriberStillServed();
    }

    @Test
    void anUnknownTrackIsRefusedWithNotFoundAndTheSessionStays() throws Exception {
        ClientSession session = ClientSession.connect(endpoint, root.quicAddress(),
                ClientSession.Options.viewer("curious"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        RecordingSubscriber missing = new RecordingSubscriber();
        session.subscribe(new TrackName("live", "nope"), StartPosition.LATEST, 0, missing);
        Await.until("refusal", Duration.ofSeconds(10), () -> missing.error() != null);
        assertThat(missing.error()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(missing.errorReason()).contains("live#nope");
        assertThat(session.isOpen()).isTrue();
        assertHonestSubscriberStillServed();
    }
}
