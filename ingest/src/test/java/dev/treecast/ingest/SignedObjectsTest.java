package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.ingest.testing.LogCapture;
import dev.treecast.ingest.testing.TamperingRelay;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * Objects signed at the ingest, checked in the tree: a relay that alters one byte of one payload is caught by the
 * next relay that verifies (the edge, by default), which drops exactly that object, so viewers never see it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SignedObjectsTest {
    private static final String BROADCAST = "trust";
    private static final TrackName VIDEO = new TrackName(BROADCAST, "video");
    private static final int OBJECTS = 10;

    private final List<AutoCloseable> running = new ArrayList<>();
    private EventLoopGroup viewerLoop;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
        if (viewerLoop != null) {
            viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private <T extends AutoCloseable> T run(T closeable) {
        running.add(closeable);
        return closeable;
    }

    private static byte[] payload(int index) {
        byte[] bytes = new byte[1000 + 37 * index];
        new Random(index).nextBytes(bytes);
        return bytes;
    }

    private RecordingSubscriber watch(Relay relay, TrackName track) throws Exception {
        viewerLoop = Transports.newGroup(1, "viewer");
        QuicClientEndpoint endpoint = run(QuicClientEndpoint.bind(viewerLoop.next(), QuicSettings.DEFAULT,
                Alpn.TREECAST_1));
        ClientSession session = ClientSession.connect(endpoint, relay.quicAddress(),
                ClientSession.Options.viewer("viewer"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(track, StartPosition.LATEST, 0, recorder);
        Await.until("the viewer's subscription accepted through the chain", Duration.ofSeconds(10),
                recorder::subscribed, recorder::error);
        return recorder;
    }

    /** Two groups of {@link #OBJECTS} video objects, payloads {@code payload(0..2 * OBJECTS - 1)}. */
    private static void publishTwoGroups(BroadcastPublisher publisher) {
        for (int i = 0; i < 2 * OBJECTS; i++) {
            publisher.publish("video", i % OBJECTS == 0, Unpooled.wrappedBuffer(payload(i)));
        }
        publisher.endOfStream();
    }

    private static BroadcastPublisher videoOnly(Ingest ingest) {
        BroadcastPublisher publisher = ingest.broadcast(BROADCAST);
        publisher.publishCatalog("{\"tracks\":[{\"name\":\"video\"}]}".getBytes(StandardCharsets.UTF_8),
                List.of("video"), "video");
        return publisher;
    }

    @Test
    void aRelayThatAltersOneBytesIsCaughtByTheNextVerifyingRelayWhichDropsExactlyThatObject() throws Exception {
        Ingest ingest = run(new Ingest(IngestConfig.loopback()).start());
        BroadcastPublisher publisher = videoOnly(ingest);
        // ingest -> tamperer -> middle (no viewers: does not verify by default) -> edge (serves viewers: verifies)
        TamperingRelay tamperer = run(TamperingRelay.start("tamperer", ingest.quicAddress(), List.of(VIDEO)));
        Relay middle = run(new Relay(RelayConfig.builder().nodeId("middle").parent(tamperer.quicAddress())
                .broadcastKey(ingest.publicKey()).build()).start());
        Relay edge = run(new Relay(RelayConfig.builder().nodeId("edge").parent(middle.quicAddress())
                .broadcastKey(ingest.publicKey()).build()).start());
        run(new Gateway(edge, GatewayConfig.builder().build()).start());
        Await.until("the edge verifies once its gateway serves viewers", Duration.ofSeconds(5), edge::isVerifying);
        assertThat(middle.isVerifying()).as("a relay that serves no viewers does not verify by default").isFalse();

        RecordingSubscriber viewer = watch(edge, VIDEO);
        tamperer.tamper(VIDEO, sequence -> sequence == 5);
        try (LogCapture log = new LogCapture()) {
            publishTwoGroups(publisher);
            Await.until("every other object and both group ends at the viewer", Duration.ofSeconds(15),
                    () -> viewer.count() >= 2 * OBJECTS - 1 && viewer.ends().size() == 2,
                    () -> viewer.count() + " objects, ends " + viewer.ends());

            assertThat(tamperer.tampered()).hasSize(1);
            TamperingRelay.Tampered bad = tamperer.tampered().get(0);
            assertThat(bad.track()).isEqualTo(VIDEO);
            assertThat(bad.sequence()).isEqualTo(5);

            // The viewer has every object the ingest published, byte for byte, except the altered one.
            List<RecordingSubscriber.Received> received = viewer.objects();
            List<Long> groups = received.stream().map(RecordingSubscriber.Received::group).distinct().toList();
            assertThat(groups).hasSize(2);
            assertThat(bad.group()).isEqualTo(groups.get(0));
            assertThat(received).hasSize(2 * OBJECTS - 1);
            for (RecordingSubscriber.Received r : received) {
                assertThat(r.group() == bad.group() && r.sequence() == bad.sequence()).as("the altered object")
                        .isFalse();
                int index = groups.indexOf(r.group()) * OBJECTS + (int) r.sequence();
                assertThat(r.payload()).as("object %d of group %d", r.sequence(), r.group()).isEqualTo(payload(index));
            }
            assertThat(received.stream().filter(r -> r.group() == bad.group()))
                    .extracting(RecordingSubscriber.Received::sequence).containsExactly(0L, 1L, 2L, 3L, 4L, 6L, 7L, 8L,
                            9L);

            // Exactly that object was rejected, once, at the edge; the relay in between forwarded it unchecked.
            assertThat(edge.metrics().objectsRejected()).isEqualTo(1);
            assertThat(edge.metrics().objectsRejected("invalid")).isEqualTo(1);
            assertThat(edge.registry().get("treecast.relay.objects.rejected").tag("node", "edge")
                    .tag("reason", "invalid").counter().count()).isEqualTo(1.0);
            assertThat(middle.metrics().objectsRejected()).isZero();
            assertThat(middle.metrics().objectsReceived()).isEqualTo(2 * OBJECTS);

            // Logged once, at WARN, naming the link the bad object came from (the middle relay).
            List<String> warnings = log.lines("rejected object");
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0)).contains("WARN").contains("edge: rejected object 5 of group " + bad.group()
                    + " of " + VIDEO + " from parent").contains(":" + middle.quicAddress().getPort())
                    .contains("signature invalid");
        }
    }

    @Test
    void aRelayPlacedByTheControllerLearnsTheKeyAndPassesEverySignedObject() throws Exception {
        Ingest ingest = run(new Ingest(IngestConfig.loopback()).start());
        BroadcastPublisher publisher = videoOnly(ingest);
        Relay edge = run(new Relay(RelayConfig.builder().nodeId("edge")
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "", 0)).build()).start());
        Gateway gateway = run(new Gateway(edge, GatewayConfig.builder().build()).start());
        edge.edge(gateway.webTransportUrl(""), edge.certificates().sha256Hex());
        Await.until("placed, with the ingest's key, and verifying", Duration.ofSeconds(10),
                () -> edge.parentId() != null && edge.isVerifying(), edge::broadcastKey);
        assertThat(edge.broadcastKey()).isEqualTo(ingest.publicKeyBase64());

        RecordingSubscriber viewer = watch(edge, VIDEO);
        publishTwoGroups(publisher);
        Await.until("both groups at the viewer", Duration.ofSeconds(15),
                () -> viewer.count() == 2 * OBJECTS && viewer.ends().size() == 2, viewer::count);
        assertThat(edge.metrics().objectsRejected()).isZero();

        // The director hands players the same key, with the edge to watch from.
        Await.until("the director knows the edge", Duration.ofSeconds(10), () -> ingest.director().size() == 1);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + ingest.httpAddress().getPort() + "/api/director?broadcast=" + BROADCAST))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(answer.body()).path("broadcastKey").asText())
                .isEqualTo(ingest.publicKeyBase64());
    }
}
