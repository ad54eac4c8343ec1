package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/** When a relay checks signatures (its policy, its key) and what it does with objects that fail. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ObjectVerificationTest {
    private static final TrackName VIDEO = new TrackName("live/final", "video");

    private final KeyPair key = generate();
    private Relay root;
    private Relay relay;
    private EventLoopGroup clientLoop;
    private QuicClientEndpoint client;

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (clientLoop != null) {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        for (Relay r : new Relay[] {relay, root}) {
            if (r != null) {
                r.close();
            }
        }
    }

    private RecordingSubscriber startAndWatch(RelayConfig.Builder config) throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        root.origin().declare(VIDEO);
        relay = new Relay(config.nodeId("relay").parent(root.quicAddress()).build()).start();
        clientLoop = Transports.newGroup(1, "test-client");
        client = QuicClientEndpoint.bind(clientLoop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        ClientSession session = ClientSession.connect(client, relay.quicAddress(),
                ClientSession.Options.viewer("viewer"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(VIDEO, StartPosition.LATEST, 0, recorder);
        Await.until("subscribed", Duration.ofSeconds(10), recorder::subscribed, recorder::error);
        return recorder;
    }

    private void publish(long group, long object, boolean signed) {
        ByteBuf payload = Unpooled.wrappedBuffer(Publisher.payload(group, object, 500));
        long timestamp = Publisher.timestamp(group, object);
        ByteBuf signature = signed ? Unpooled.wrappedBuffer(new ObjectSignature.Signer(key.getPrivate())
                .sign(VIDEO, group, object, timestamp, payload)) : null;
        root.origin().publish(VIDEO, group, ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, object, timestamp,
                signature, payload));
    }

    @Test
    void aVerifyingRelayDropsUnsignedObjectsAndPassesSignedOnes() throws Exception {
        RecordingSubscriber viewer = startAndWatch(RelayConfig.builder().verify(RelayConfig.Verify.ALWAYS)
                .broadcastKey(ObjectSignature.rawPublicKey(key.getPublic())));
        assertThat(relay.isVerifying()).as("told to verify always, serving viewers or not").isTrue();
        for (int o = 0; o < 6; o++) {
            publish(1, o, o % 2 == 0);
        }
        root.origin().endGroup(VIDEO, 1);
        Await.until("the group's end", Duration.ofSeconds(10), () -> viewer.ends().size() == 1, viewer::ends);
        assertThat(viewer.objects()).extracting(RecordingSubscriber.Received::sequence).containsExactly(0L, 2L, 4L);
        assertThat(relay.metrics().objectsRejected("unsigned")).isEqualTo(3);
        assertThat(relay.metrics().objectsRejected()).isEqualTo(3);
        assertThat(relay.broadcastKey()).isEqualTo(java.util.Base64.getEncoder()
                .encodeToString(ObjectSignature.rawPublicKey(key.getPublic())));
    }

    @Test
    void byDefaultOnlyARelayThatServesViewersVerifies() throws Exception {
        RecordingSubscriber viewer = startAndWatch(RelayConfig.builder()
                .broadcastKey(ObjectSignature.rawPublicKey(key.getPublic())));
        assertThat(relay.isVerifying()).isFalse();
        publish(1, 0, false);
        Await.until("an unsigned object passes a relay in the middle", Duration.ofSeconds(10),
                () -> viewer.count() == 1);

        relay.servesViewers();
        Await.until("verifying once it serves viewers", Duration.ofSeconds(5), relay::isVerifying);
        publish(1, 1, false);
        publish(1, 2, true);
        Await.until("the signed object", Duration.ofSeconds(10), () -> viewer.count() == 2);
        assertThat(viewer.objects()).extracting(RecordingSubscriber.Received::sequence).containsExactly(0L, 2L);
        assertThat(relay.metrics().objectsRejected("unsigned")).isEqualTo(1);
    }

    @Test
    void aRelayWithoutAKeyCannotVerifyAndPassesEverything() throws Exception {
        RecordingSubscriber viewer = startAndWatch(RelayConfig.builder().verify(RelayConfig.Verify.ALWAYS));
        relay.servesViewers();
        publish(1, 0, false);
        Await.until("the unsigned object", Duration.ofSeconds(10), () -> viewer.count() == 1);
        assertThat(relay.isVerifying()).as("no key: it cannot").isFalse();
        assertThat(relay.broadcastKey()).isEmpty();
    }

    @Test
    void aRelayToldNeverToVerifyPassesEverythingEvenAtTheEdge() throws Exception {
        RecordingSubscriber viewer = startAndWatch(RelayConfig.builder().verify(RelayConfig.Verify.NEVER)
                .broadcastKey(ObjectSignature.rawPublicKey(key.getPublic())));
        relay.servesViewers();
        publish(1, 0, false);
        Await.until("the unsigned object", Duration.ofSeconds(10), () -> viewer.count() == 1);
        assertThat(relay.isVerifying()).isFalse();
        assertThat(relay.metrics().objectsRejected()).isZero();
    }
}
