package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.gateway.webtransport.Capsule;
import dev.treecast.gateway.webtransport.CapsuleDecoder;
import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.gateway.webtransport.WebTransportSettings;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.SetupOk;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * The HTTP/3 side of the gateway seen by a bare Netty HTTP/3 client: the SETTINGS it advertises, which CONNECTs it
 * refuses and with what status, and capsules and WebTransport streams built by hand.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http3SessionTest {
    private Relay relay;
    private Gateway gateway;
    private final List<H3TestClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        relay = new Relay(RelayConfig.builder().nodeId("solo").build()).start();
        gateway = new Gateway(relay, GatewayConfig.builder().maxSessions(1).build()).start();
    }

    @AfterEach
    void stop() {
        clients.forEach(H3TestClient::close);
        if (gateway != null) {
            gateway.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private H3TestClient client() throws Exception {
        H3TestClient client = H3TestClient.connect(gateway.webTransportAddress());
        clients.add(client);
        return client;
    }

    @Test
    void theServerAdvertisesExtendedConnectDatagramsAndWebTransportDraft02() throws Exception {
        Map<Long, Long> settings = client().settings.get(10, TimeUnit.SECONDS);
        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of(
                0x1L, 0L, 0x7L, 0L, 0x8L, 1L, 0x33L, 1L, 0x2b603742L, 1L, 0x14e9cd29L, 1L));
        assertThat(settings).isEqualTo(WebTransportSettings.server());
    }

    @Test
    void aWebTransportConnectToAWatchPathIsAcceptedWith200AndTheDraftHeader() throws Exception {
        H3TestClient client = client();
        H3TestClient.Exchange exchange = client.request(client.webTransportConnect("/watch/live/final?t=1"));
        Http3Headers response = exchange.response.get(10, TimeUnit.SECONDS);
        assertThat(response.status().toString()).isEqualTo("200");
        assertThat(response.get("sec-webtransport-http3-draft").toString()).isEqualTo("draft02");
        assertThat(exchange.inputClosed).isNotDone();
        Await.until("session counted", Duration.ofSeconds(5), () -> gateway.metrics().sessions() == 1);
        assertThat(gateway.sessionCount()).isEqualTo(1);
    }

    @Test
    void aConnectOutsideWatchIsRefusedWith404() throws Exception {
        H3TestClient client = client();
        H3TestClient.Exchange exchange = client.request(client.webTransportConnect("/elsewhere"));
        assertThat(exchange.status()).isEqualTo(404);
        exchange.inputClosed.get(10, TimeUnit.SECONDS);
        assertThat(gateway.metrics().connectsRefused(404)).isEqualTo(1);
    }

    @Test
    void aConnectForAnotherProtocolIsRefusedWith400() throws Exception {
        H3TestClient client = client();
        Http3Headers headers = client.webTransportConnect("/watch/live");
        headers.protocol("websocket");
        assertThat(client.request(headers).status()).isEqualTo(400);
        assertThat(gateway.metrics().connectsRefused(400)).isEqualTo(1);
    }

    @Test
    void anOrdinaryGetIsRefusedWith405() throws Exception {
        H3TestClient client = client();
        Http3Headers headers = client.webTransportConnect("/watch/live");
        headers.remove(":protocol");
        headers.method("GET");
        assertThat(client.request(headers).status()).isEqualTo(405);
    }

    @Test
    void aSecondSessionOnTheSameConnectionIsRefusedWith429AndTheFirstGoesOn() throws Exception {
        H3TestClient client = client();
        H3TestClient.Exchange first = client.request(client.webTransportConnect("/watch/a"));
        assertThat(first.status()).isEqualTo(200);
        H3TestClient.Exchange second = client.request(client.webTransportConnect("/watch/b"));
        assertThat(second.status()).isEqualTo(429);
        assertThat(first.inputClosed).isNotDone();
        assertThat(gateway.metrics().connectsRefused(429)).isEqualTo(1);
        assertThat(gateway.metrics().sessions()).isEqualTo(1);
    }

    @Test
    void sessionsBeyondTheGatewaysLimitAreRefusedWith503() throws Exception {
        H3TestClient one = client();
        assertThat(one.request(one.webTransportConnect("/watch/a")).status()).isEqualTo(200);
        H3TestClient two = client();
        assertThat(two.request(two.webTransportConnect("/watch/a")).status()).isEqualTo(503);
        assertThat(gateway.metrics().connectsRefused(503)).isEqualTo(1);
    }

    @Test
    void aHandMadeClientGetsTreecastOnItsFirstBidiStreamIgnoringGreaseAndClosesCleanly() throws Exception {
        H3TestClient client = client();
        H3TestClient.Exchange connect = client.request(client.webTransportConnect("/watch/live"));
        assertThat(connect.status()).isEqualTo(200);
        long sessionId = connect.stream.streamId();
        // A GREASE capsule (type 0x29 * 1 + 0x17 = 0x40), as Chromium sends first.
        client.sendData(connect, new byte[] {0x40, 0x40, 0x03, 'a', 'b', 'c'}, false);

        CompletableFuture<ControlMessage> reply = new CompletableFuture<>();
        QuicStreamChannel control = client.quic().createStream(QuicStreamType.BIDIRECTIONAL,
                new ControlRecorder(reply)).get(10, TimeUnit.SECONDS);
        ByteBuf out = Unpooled.buffer();
        StreamPrefix.writeBidirectional(out, sessionId);
        ControlCodec.encode(new Setup(Alpn.VERSION_1, Role.VIEWER, "hand-made"), out);
        control.writeAndFlush(out).sync();
        assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo(new SetupOk(1, "solo"));

        ByteBuf close = Unpooled.buffer();
        new Capsule.CloseSession(0, "bye").encode(close);
        client.sendData(connect, ByteBufUtil.getBytes(close), true);
        close.release();
        Await.until("clean close counted", Duration.ofSeconds(10),
                () -> gateway.metrics().sessionsClosed(CloseReason.CLEAN) == 1);
        connect.inputClosed.get(10, TimeUnit.SECONDS);
        client.closed.get(10, TimeUnit.SECONDS);
        assertThat(gateway.metrics().sessions()).isZero();
        assertThat(relay.call(() -> relay.core().sessionCount())).isZero();
    }

    @Test
    void aMalformedCloseCapsuleEndsTheSessionWithMalformedMessage() throws Exception {
        H3TestClient client = client();
        H3TestClient.Exchange connect = client.request(client.webTransportConnect("/watch/live"));
        assertThat(connect.status()).isEqualTo(200);
        // CLOSE_WEBTRANSPORT_SESSION whose value (2 bytes) cannot hold its 32-bit code.
        client.sendData(connect, new byte[] {0x68, 0x43, 0x02, 0x00, 0x00}, false);
        connect.inputClosed.get(10, TimeUnit.SECONDS);
        assertThat(closeSentBy(connect).code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE.code());
        assertThat(gateway.metrics().protocolErrors(ErrorCode.MALFORMED_MESSAGE)).isEqualTo(1);
        assertThat(gateway.metrics().sessionsClosed(CloseReason.PROTOCOL_ERROR)).isEqualTo(1);
    }

    @Test
    void aConnectStreamEndingInsideACapsuleIsTruncated() throws Exception {
        H3TestClient client = client();
        H3TestClient.Exchange connect = client.request(client.webTransportConnect("/watch/live"));
        assertThat(connect.status()).isEqualTo(200);
        // An unknown capsule announcing 10 bytes, of which 2 arrive before FIN.
        client.sendData(connect, new byte[] {0x21, 0x0a, 0x01, 0x02}, true);
        connect.inputClosed.get(10, TimeUnit.SECONDS);
        assertThat(closeSentBy(connect).code()).isEqualTo(ErrorCode.TRUNCATED.code());
        assertThat(gateway.metrics().protocolErrors(ErrorCode.TRUNCATED)).isEqualTo(1);
    }

    @Test
    void aViewerClosingItsConnectionWithoutEndingTheSessionIsCountedAsConnectionClosed() throws Exception {
        H3TestClient client = client();
        assertThat(client.request(client.webTransportConnect("/watch/live")).status()).isEqualTo(200);
        client.quic().close().sync();
        Await.until("session ended", Duration.ofSeconds(10),
                () -> gateway.metrics().sessionsClosed(CloseReason.CONNECTION_CLOSED) == 1);
        assertThat(gateway.metrics().sessions()).isZero();
        assertThat(relay.call(() -> relay.core().sessionCount())).isZero();
    }

    @Test
    void closingTheGatewayEndsEachSessionWithGoingAway() throws Exception {
        H3TestClient client = client();
        H3TestClient.Exchange connect = client.request(client.webTransportConnect("/watch/live"));
        assertThat(connect.status()).isEqualTo(200);
        gateway.close();
        connect.inputClosed.get(10, TimeUnit.SECONDS);
        assertThat(closeSentBy(connect).code()).isEqualTo(ErrorCode.GOING_AWAY.code());
        assertThat(gateway.metrics().sessionsClosed(CloseReason.SHUTDOWN)).isEqualTo(1);
        client.closed.get(10, TimeUnit.SECONDS);
    }

    /** The CLOSE_WEBTRANSPORT_SESSION the gateway sent on {@code connect}'s stream. */
    private static Capsule.CloseSession closeSentBy(H3TestClient.Exchange connect) {
        List<Capsule> capsules = new ArrayList<>();
        CapsuleDecoder decoder = new CapsuleDecoder();
        ByteBuf body;
        synchronized (connect.body) {
            body = Unpooled.wrappedBuffer(connect.body.toByteArray());
        }
        decoder.decode(body, capsules::add);
        decoder.finish();
        assertThat(capsules).hasSize(1).first().isInstanceOf(Capsule.CloseSession.class);
        return (Capsule.CloseSession) capsules.getFirst();
    }

    private static final class ControlRecorder extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<ControlMessage> first;
        private final ByteBuf in = Unpooled.buffer();

        ControlRecorder(CompletableFuture<ControlMessage> first) {
            this.first = first;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            in.writeBytes(bytes);
            bytes.release();
            ControlMessage m = ControlCodec.decode(in);
            if (m != null) {
                first.complete(m);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            in.release();
        }
    }
}
