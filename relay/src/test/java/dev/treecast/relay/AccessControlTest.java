package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.control.Join;
import dev.treecast.protocol.control.RelayDescription;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.SubscriberSession.SessionClosedException;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.channel.EventLoopGroup;

/**
 * A relay given the operator's public key admits a relay only with a relay token and a viewer only with a viewer
 * token for the broadcast it subscribes to; every refusal has its error code and is counted by reason. Real QUIC on
 * loopback, tokens signed with a key made for the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessControlTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final TrackName OTHER = new TrackName("other", "video");

    private final List<AutoCloseable> running = new ArrayList<>();
    private KeyPair operator;
    private byte[] operatorKey;
    private EventLoopGroup loop;
    private QuicClientEndpoint client;

    @BeforeEach
    void setUp() throws Exception {
        operator = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        operatorKey = ObjectSignature.rawPublicKey(operator.getPublic());
        loop = Transports.newGroup(1, "peers");
        client = QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Relay start(RelayConfig.Builder config) throws InterruptedException {
        Relay relay = new Relay(config.build()).start();
        running.add(relay);
        return relay;
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private String viewerToken(String broadcast, String region, long expires) {
        return AccessToken.viewer(broadcast, region, expires, "test").sign(operator.getPrivate());
    }

    private String relayToken(long expires) {
        return AccessToken.relay(expires, "test").sign(operator.getPrivate());
    }

    /** Changes one character of the claims: the signature no longer holds. */
    private static String tampered(String token) {
        int i = AccessToken.PREFIX.length() + 5;
        char c = token.charAt(i) == 'A' ? 'B' : 'A';
        return token.substring(0, i) + c + token.substring(i + 1);
    }

    private ClientSession connect(Relay relay, SubscriberSession.Options options) throws Exception {
        return ClientSession.connect(client, relay.quicAddress(), options, new ClientSession.Listener() {
        }).get(10, TimeUnit.SECONDS);
    }

    /** The session is refused at SETUP: the code it was closed with. */
    private ErrorCode refused(Relay relay, SubscriberSession.Options options) {
        Throwable failure = null;
        try {
            connect(relay, options);
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (Exception e) {
            failure = e;
        }
        assertThat(failure).as("the session was refused").isInstanceOf(SessionClosedException.class);
        return ((SessionClosedException) failure).code();
    }

    private RecordingSubscriber watch(ClientSession session, TrackName track) {
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(track, StartPosition.LATEST, 0, recorder);
        Await.until("an answer to SUBSCRIBE " + track, Duration.ofSeconds(10),
                () -> recorder.subscribed() || recorder.error() != null);
        return recorder;
    }

    private static SubscriberSession.Options viewer(String token) {
        return SubscriberSession.Options.viewer("viewer").withToken(token);
    }

    private static SubscriberSession.Options relayRole(String token) {
        return SubscriberSession.Options.relay("would-be-child").withToken(token);
    }

    @Test
    void aPeerWithoutARelayTokenCannotSubscribeAsARelayAndOneWithAValidTokenRelays() throws Exception {
        Relay root = start(RelayConfig.builder().nodeId("root").access(RelayConfig.Access.enforcing(operatorKey)));
        Publisher publisher = new Publisher(root, VIDEO);

        assertThat(refused(root, relayRole(""))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(refused(root, relayRole(tampered(relayToken(now() + 600))))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(refused(root, relayRole(relayToken(now() - 1)))).isEqualTo(ErrorCode.TOKEN_EXPIRED);
        assertThat(refused(root, relayRole(viewerToken("live", null, now() + 600)))).isEqualTo(ErrorCode.FORBIDDEN);
        // A relay that presents nothing does not get attached: it keeps trying, and each try is refused.
        Relay intruder = start(RelayConfig.builder().nodeId("intruder").parent(root.quicAddress()));
        Await.until("the intruder refused", Duration.ofSeconds(10),
                () -> root.metrics().authRefusals("missing") >= 2, () -> root.metrics().authRefusals("missing"));
        assertThat(intruder.parentId()).isNull();
        assertThat(root.call(() -> root.core().childRelays().size())).isZero();
        assertThat(root.metrics().authRefusals("bad-signature")).isEqualTo(1);
        assertThat(root.metrics().authRefusals("expired")).isEqualTo(1);
        assertThat(root.metrics().authRefusals("wrong-role")).isEqualTo(1);

        // With a relay token a child attaches, and serves its own viewers with viewer tokens.
        Relay child = start(RelayConfig.builder().nodeId("child").parent(root.quicAddress())
                .access(RelayConfig.Access.enforcing(operatorKey).withToken(relayToken(now() + 600))));
        Await.until("the child attached", Duration.ofSeconds(10), () -> child.parentId() != null);
        RecordingSubscriber viewer = watch(connect(child, viewer(viewerToken("live", null, now() + 600))), VIDEO);
        assertThat(viewer.error()).isNull();
        publisher.group(0, 3, 100);
        Await.until("objects through the child", Duration.ofSeconds(10), () -> viewer.count() == 3, viewer::count);
    }

    @Test
    void aViewerWithoutAValidTokenForTheBroadcastIsRefusedWithTheCodeThatSaysWhy() throws Exception {
        Relay relay = start(RelayConfig.builder().nodeId("edge").access(RelayConfig.Access.enforcing(operatorKey)));
        Publisher publisher = new Publisher(relay, VIDEO);
        new Publisher(relay, OTHER);
        String valid = viewerToken("live", null, now() + 600);

        assertThat(refused(relay, viewer(""))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(refused(relay, viewer("not a token"))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(refused(relay, viewer(tampered(valid)))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(refused(relay, viewer(viewerToken("live", null, now() - 5)))).isEqualTo(ErrorCode.TOKEN_EXPIRED);
        assertThat(refused(relay, viewer(relayToken(now() + 600)))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refused(relay, viewer(viewerToken("live", "eu-west", now() + 600))))
                .as("a token for another region than the relay's").isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(relay.metrics().authRefusals("missing")).isEqualTo(1);
        assertThat(relay.metrics().authRefusals("malformed")).isEqualTo(1);
        assertThat(relay.metrics().authRefusals("bad-signature")).isEqualTo(1);
        assertThat(relay.metrics().authRefusals("expired")).isEqualTo(1);
        assertThat(relay.metrics().authRefusals("wrong-role")).isEqualTo(1);
        assertThat(relay.metrics().authRefusals("wrong-region")).isEqualTo(1);

        // A token for another broadcast: the session stands (SETUP does not name the broadcast), the SUBSCRIBE not.
        ClientSession foreign = connect(relay, viewer(viewerToken("other", null, now() + 600)));
        RecordingSubscriber refusedTrack = watch(foreign, VIDEO);
        assertThat(refusedTrack.error()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusedTrack.errorReason()).isEqualTo("the token is for broadcast 'other', not 'live'");
        assertThat(watch(foreign, OTHER).subscribed()).as("its own broadcast").isTrue();
        assertThat(relay.metrics().authRefusals("wrong-broadcast")).isEqualTo(1);

        RecordingSubscriber player = watch(connect(relay, viewer(valid)), VIDEO);
        assertThat(player.subscribed()).isTrue();
        publisher.group(0, 2, 100);
        Await.until("the valid token plays", Duration.ofSeconds(10), () -> player.count() == 2, player::count);
        assertThat(relay.metrics().protocolErrors()).as("refusals are not protocol errors").isEmpty();
    }

    @Test
    void withOpenViewersAViewerMayComeWithoutATokenButOneItPresentsIsChecked() throws Exception {
        Relay relay = start(RelayConfig.builder().nodeId("edge")
                .access(RelayConfig.Access.enforcing(operatorKey).withViewersNeedToken(false)));
        new Publisher(relay, VIDEO);
        assertThat(watch(connect(relay, viewer("")), VIDEO).subscribed()).isTrue();
        assertThat(refused(relay, viewer(tampered(viewerToken("live", null, now() + 600)))))
                .isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(watch(connect(relay, viewer(viewerToken("other", null, now() + 600))), VIDEO).error())
                .isEqualTo(ErrorCode.FORBIDDEN);
        // Relays still need their token.
        assertThat(refused(relay, relayRole(""))).isEqualTo(ErrorCode.UNAUTHORIZED);
    }

    @Test
    void aViewerSessionCannotTalkToTheTreeController() throws Exception {
        Relay relay = start(RelayConfig.builder().nodeId("edge")
                .access(RelayConfig.Access.enforcing(operatorKey).withViewersNeedToken(false)));
        CompletableFuture<ErrorCode> closed = new CompletableFuture<>();
        ClientSession session = ClientSession.connect(client, relay.quicAddress(), viewer(""),
                new ClientSession.Listener() {
                    @Override
                    public void onClosed(ClientSession s, ErrorCode code, String reason) {
                        closed.complete(code);
                    }
                }).get(10, TimeUnit.SECONDS);
        session.send(new Join(new RelayDescription("sneaky", ":1", "", 100, "", "")));
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(relay.metrics().authRefusals("missing")).isEqualTo(1);
    }

    @Test
    void anOpenFleetLooksAtNoToken() throws Exception {
        Relay relay = start(RelayConfig.builder().nodeId("open"));
        new Publisher(relay, VIDEO);
        assertThat(watch(connect(relay, viewer("")), VIDEO).subscribed()).isTrue();
        assertThat(watch(connect(relay, viewer("garbage")), VIDEO).subscribed()).isTrue();
        assertThat(connect(relay, relayRole("")).isOpen()).isTrue();
        assertThatThrownBy(() -> RelayConfig.Access.enforcing(new byte[3])).isInstanceOf(
                IllegalArgumentException.class);
        assertThat(RelayConfig.Access.OPEN.withToken("tc1.secret.sig").toString()).doesNotContain("secret");
    }
}
