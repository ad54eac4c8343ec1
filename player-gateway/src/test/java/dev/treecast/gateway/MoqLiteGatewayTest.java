package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.client.MoqLiteTestClient;
import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.gateway.webtransport.Capsule;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.moqlite.Announce;
import dev.treecast.protocol.moqlite.AnnounceOk;
import dev.treecast.protocol.moqlite.AnnounceRequest;
import dev.treecast.protocol.moqlite.Frame;
import dev.treecast.protocol.moqlite.GroupHeader;
import dev.treecast.protocol.moqlite.LiteCodec;
import dev.treecast.protocol.moqlite.MoqLite;
import dev.treecast.protocol.moqlite.Setup;
import dev.treecast.protocol.moqlite.Subscribe;
import dev.treecast.protocol.moqlite.SubscribeResponse;
import dev.treecast.protocol.moqlite.TrackInfo;
import dev.treecast.protocol.moqlite.TrackRequest;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * moq-lite-05 at the gateway over real WebTransport on loopback, through a two-relay tree (root publishes, the edge
 * serves): the subprotocol picks moq-lite, announcements, TRACK_INFO, and every group of a subscribed track arrives
 * on its own stream with the objects' payloads unchanged; a malformed message closes that session with a code and a
 * metric while another viewer keeps receiving.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MoqLiteGatewayTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final List<String> OFFER = List.of("moq-lite-05", "moq-lite-04", "moq-lite-03", "moql");

    private Relay root;
    private Relay edge;
    private Gateway gateway;
    private EventLoopGroup clientLoop;
    private QuicClientEndpoint endpoint;
    private final List<MoqLiteTestClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        root.origin().declare(VIDEO);
        edge = new Relay(RelayConfig.builder().nodeId("edge").parent(root.quicAddress()).build()).start();
        gateway = new Gateway(edge, GatewayConfig.builder().build()).start();
        clientLoop = Transports.newGroup(1, "moq-lite-client");
        endpoint = WebTransportSession.bindEndpoint(clientLoop.next(), new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        clients.forEach(MoqLiteTestClient::close);
        if (endpoint != null) {
            endpoint.close();
        }
        if (clientLoop != null) {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (gateway != null) {
            gateway.close();
        }
        for (Relay r : new Relay[] {edge, root}) {
            if (r != null) {
                r.close();
            }
        }
    }

    private MoqLiteTestClient connect(String path, List<String> protocols) throws Exception {
        MoqLiteTestClient client = MoqLiteTestClient.connect(endpoint, gateway.webTransportAddress(), path, protocols);
        clients.add(client);
        return client;
    }

    private static byte[] payload(long group, long object) {
        byte[] bytes = new byte[object == 0 ? 20_000 + (int) group * 100 : 50 + 331 * (int) object];
        new Random(group * 7919 + object).nextBytes(bytes);
        return bytes;
    }

    private static long timestamp(long group, long object) {
        return 1_700_000_000_000_000L + group * 1_000_000L + object * 33_333L;
    }

    private void publishGroup(long group, int objects) {
        for (int o = 0; o < objects; o++) {
            root.origin().publish(VIDEO, group, ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, o,
                    timestamp(group, o), null, Unpooled.wrappedBuffer(payload(group, o))));
        }
        root.origin().endGroup(VIDEO, group);
    }

    private static byte[] encoded(dev.treecast.protocol.moqlite.LiteMessage... messages) {
        ByteBuf out = Unpooled.buffer();
        for (var m : messages) {
            LiteCodec.encode(m, out);
        }
        return ByteBufUtil.getBytes(out);
    }

    /** A client subscribed to live/video as @moq/net does it: announce, track info, subscribe. */
    private MoqLiteTestClient.Bidi subscribe(MoqLiteTestClient client, long id) throws Exception {
        MoqLiteTestClient.Bidi track = client.openBidi().write(MoqLite.STREAM_TRACK, new TrackRequest("live", "video"));
        Await.until("TRACK_INFO and FIN", Duration.ofSeconds(10), () -> track.received().isFin());
        // TRACK_INFO: priority 0, unordered, no max latency, timescale 1 000 000 (µs, the objects' own clock)
        assertThat(track.received().bytes()).isEqualTo(encoded(new TrackInfo(0, false, 0, TrackInfo.MICROSECONDS)));
        return client.openBidi().write(MoqLite.STREAM_SUBSCRIBE, new Subscribe(id, "live", "video", 0, false, 0,
                OptionalLong.empty(), OptionalLong.empty()));
    }

    @Test
    void aMoqLiteViewerHearsTheBroadcastAndReceivesEveryGroupsPayloadsUnchanged() throws Exception {
        MoqLiteTestClient client = connect("/", OFFER);
        assertThat(client.answer()).isEqualTo(new MoqLiteTestClient.Answer(200, MoqLite.PROTOCOL_05));

        // Our SETUP: a unidirectional stream of type 1 carrying an empty parameter list, then FIN.
        Await.until("the gateway's SETUP stream", Duration.ofSeconds(10),
                () -> !client.uniStreams().isEmpty() && client.uniStreams().get(0).isFin());
        assertThat(client.uniStreams().get(0).bytes()).isEqualTo(new byte[] {0x01, 0x01, 0x00});

        MoqLiteTestClient.Bidi announces = client.openBidi().write(MoqLite.STREAM_ANNOUNCE,
                new AnnounceRequest("live", 0));
        Await.until("ANNOUNCE_OK and the live broadcast", Duration.ofSeconds(10),
                () -> announces.received().bytes().length >= 6);
        ByteBuf in = announces.received().buffer();
        AnnounceOk ok = LiteCodec.decode(LiteCodec.readBody(in, MoqLite.MAX_MESSAGE), AnnounceOk::decode);
        assertThat(ok.active()).isEqualTo(1);
        // The broadcast asked for, relative to the prefix: the empty suffix.
        assertThat(LiteCodec.decode(LiteCodec.readBody(in, MoqLite.MAX_MESSAGE), Announce::decode))
                .isEqualTo(Announce.of(true, ""));

        MoqLiteTestClient.Bidi subscription = subscribe(client, 7);
        Await.until("the edge serves the subscription", Duration.ofSeconds(10), () -> edge.metrics().subscribers() == 1);

        int groups = 3;
        int objects = 4;
        // At a live pace: each group is the newest when it is sent (a burst would let the viewer's latency budget
        // skip the older ones, as it should for a live viewer).
        for (int g = 0; g < groups; g++) {
            publishGroup(g, objects);
            int streams = 2 + g;
            Await.until("group stream " + g + " complete", Duration.ofSeconds(20),
                    () -> client.uniStreams().size() == streams && client.uniStreams().get(streams - 1).isFin(),
                    () -> client.uniStreams().size());
        }
        // One stream for SETUP plus one per group, each ended with FIN.
        Await.until("every group stream complete", Duration.ofSeconds(20),
                () -> client.uniStreams().size() == 1 + groups
                        && client.uniStreams().stream().allMatch(MoqLiteTestClient.Received::isFin),
                () -> client.uniStreams().stream().map(r -> r.bytes().length + (r.isFin() ? " fin" : "")
                        + (r.resetCode() != null ? " reset " + r.resetCode() : "")).toList()
                        + " edge received " + edge.metrics().objectsReceived() + " objects, groups " + edge.metrics().groups()
                        + ", reset " + edge.metrics().groupsReset() + ", forwarded " + edge.metrics().objectsForwarded());
        for (MoqLiteTestClient.Received stream : client.uniStreams().subList(1, 1 + groups)) {
            ByteBuf bytes = stream.buffer();
            assertThat(LiteCodec.readStreamType(bytes)).isEqualTo(MoqLite.DATA_GROUP);
            GroupHeader header = LiteCodec.decode(LiteCodec.readBody(bytes, MoqLite.MAX_MESSAGE), GroupHeader::decode);
            assertThat(header.subscribeId()).isEqualTo(7);
            long previous = 0;
            for (int o = 0; o < objects; o++) {
                Frame frame = Frame.read(bytes, previous, 1 << 20);
                assertThat(frame).as("group %d frame %d", header.sequence(), o).isNotNull();
                assertThat(frame.timestamp()).isEqualTo(timestamp(header.sequence(), o));
                assertThat(ByteBufUtil.getBytes(frame.payload())).isEqualTo(payload(header.sequence(), o));
                previous = frame.timestamp();
            }
            assertThat(bytes.isReadable()).as("nothing after the last frame").isFalse();
        }
        assertThat(client.uniStreams().subList(1, 1 + groups).stream().map(s -> {
            ByteBuf b = s.buffer();
            LiteCodec.readStreamType(b);
            return LiteCodec.decode(LiteCodec.readBody(b, MoqLite.MAX_MESSAGE), GroupHeader::decode).sequence();
        }).toList()).containsExactly(0L, 1L, 2L);
        // The subscribe stream: SUBSCRIBE_START with the first group sent.
        assertThat(subscription.received().bytes()).isEqualTo(encoded(new SubscribeResponse.Start(0)));
        assertThat(gateway.metrics().moqLiteSessions()).isEqualTo(1);

        // Ending the subscribe stream ends the subscription.
        subscription.fin();
        Await.until("unsubscribed", Duration.ofSeconds(10), () -> edge.metrics().subscribers() == 0);
    }

    @Test
    void aMalformedMessageClosesThatSessionWithACodeWhileAnotherViewerKeepsReceiving() throws Exception {
        MoqLiteTestClient good = connect("/", OFFER);
        assertThat(good.answer().protocol()).isEqualTo(MoqLite.PROTOCOL_05);
        subscribe(good, 0);
        Await.until("subscribed", Duration.ofSeconds(10), () -> edge.metrics().subscribers() == 1);
        publishGroup(0, 2);
        Await.until("group 0 at the good viewer", Duration.ofSeconds(10), () -> good.uniStreams().size() == 2);

        MoqLiteTestClient bad = connect("/", OFFER);
        assertThat(bad.answer().protocol()).isEqualTo(MoqLite.PROTOCOL_05);
        // SUBSCRIBE with its "ordered" byte 7: neither false nor true.
        byte[] subscribe = encoded(new Subscribe(0, "live", "video", 0, false, 0, OptionalLong.empty(),
                OptionalLong.empty()));
        int ordered = 1 + 1 + 5 + 6 + 1; // size, id, "live", "video", priority
        subscribe[ordered] = 7;
        MoqLiteTestClient.Bidi stream = bad.openBidi();
        stream.writeRaw(new byte[] {MoqLite.STREAM_SUBSCRIBE});
        stream.writeRaw(subscribe);
        Capsule.CloseSession close = bad.closedBySession().get(10, TimeUnit.SECONDS);
        assertThat(close.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE.code());
        assertThat(close.reason()).contains("ordered");
        Await.until("counted", Duration.ofSeconds(5),
                () -> gateway.metrics().protocolErrors(ErrorCode.MALFORMED_MESSAGE) == 1);

        publishGroup(1, 2);
        Await.until("group 1 at the good viewer", Duration.ofSeconds(10),
                () -> good.uniStreams().size() == 3 && good.uniStreams().get(2).isFin());
        assertThat(good.connection().isActive()).isTrue();
    }

    @Test
    void anOversizeMessageOrUnknownStreamTypeIsRefusedWithItsCode() throws Exception {
        MoqLiteTestClient big = connect("/", OFFER);
        big.answer();
        // A SUBSCRIBE declaring 1 MiB: refused from its size prefix.
        big.openBidi().writeRaw(new byte[] {MoqLite.STREAM_SUBSCRIBE, (byte) 0x80, 0x10, 0x00, 0x00});
        assertThat(big.closedBySession().get(10, TimeUnit.SECONDS).code())
                .isEqualTo(ErrorCode.MESSAGE_TOO_LARGE.code());

        MoqLiteTestClient unknown = connect("/", OFFER);
        unknown.answer();
        unknown.openBidi().writeRaw(new byte[] {0x3f});
        assertThat(unknown.closedBySession().get(10, TimeUnit.SECONDS).code())
                .isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE.code());
    }

    @Test
    void withoutAMoqLiteOfferTheSessionIsTreecastAndTheCertificateHashIsOnTheWebTransportPortNumber()
            throws Exception {
        // No moq-lite offered: treecast/1 rules (sessions live under /watch/<broadcast>).
        MoqLiteTestClient plain = connect("/", List.of());
        assertThat(plain.answer()).isEqualTo(new MoqLiteTestClient.Answer(404, null));
        MoqLiteTestClient older = connect("/watch/live", List.of("moq-lite-03", "moqt-15"));
        assertThat(older.answer()).isEqualTo(new MoqLiteTestClient.Answer(200, null));

        // What @moq/net fetches for an http:// relay URL: the same host and port number, over TCP.
        assertThat(gateway.certificateAddress().getPort()).isEqualTo(gateway.webTransportAddress().getPort());
        HttpResponse<String> hash = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + gateway.webTransportAddress().getPort() + "/certificate.sha256")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(hash.statusCode()).isEqualTo(200);
        assertThat(hash.body()).isEqualTo(edge.certificates().sha256Hex());
        assertThat(hash.headers().firstValue("access-control-allow-origin")).contains("*");
    }

    @Test
    void aTakenTcpPortAtTheWebTransportPortNumberDoesNotStopTheGateway() throws Exception {
        // The WebTransport port is UDP; the same number on TCP may belong to anyone (seen in CI: the demo failed to
        // start when an ephemeral UDP port's TCP twin was taken).
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            Gateway second = new Gateway(edge, GatewayConfig.builder()
                    .webTransportBind(new InetSocketAddress("127.0.0.1", taken.getLocalPort())).build()).start();
            try {
                assertThat(second.webTransportAddress().getPort()).isEqualTo(taken.getLocalPort());
                assertThat(second.certificateAddress()).isNull();
            } finally {
                second.close();
            }
        }
    }

    @Test
    void theBrowsersSetupStreamIsReadAndPublishingIsRefused() throws Exception {
        MoqLiteTestClient client = connect("/", OFFER);
        client.answer();
        // lite-05 SETUP: probe 1 (report), origin 9 -> count 2, (1,1,1), (5,1,9)
        client.sendUni(new byte[] {MoqLite.DATA_SETUP, 0x07, 0x02, 0x01, 0x01, 0x01, 0x05, 0x01, 0x09});
        // A GROUP stream from the browser: it is not a publisher here.
        client.sendUni(new byte[] {MoqLite.DATA_GROUP, 0x02, 0x00, 0x00});
        Await.until("the browser's GROUP stream refused", Duration.ofSeconds(10),
                () -> gateway.metrics().streamsRefused("moq-lite-publish") == 1);
        // The session goes on: a subscription still works.
        subscribe(client, 1);
        Await.until("subscribed", Duration.ofSeconds(10), () -> edge.metrics().subscribers() == 1);
        assertThat(gateway.sessionCount()).isEqualTo(1);
        assertThat(Setup.EMPTY.bodyLength()).isEqualTo(1);
    }
}
