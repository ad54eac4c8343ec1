package dev.treecast.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.gateway.LeakCheck;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.SubscriberSession.SessionClosedException;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * A gateway whose relay has the operator key checks the viewer's token on the WebTransport CONNECT, before the
 * session exists: no token, a tampered one (401), an expired one or one for another broadcast (403) are refused with
 * the code that says why, and counted; a valid token plays, and admits to its broadcast only.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ViewerTokenTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final TrackName OTHER = new TrackName("other", "video");

    private KeyPair operator;
    private Relay root;
    private Relay edge;
    private Gateway gateway;
    private EventLoopGroup clientLoop;
    private QuicClientEndpoint endpoint;
    private final List<SubscriberSession> sessions = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        operator = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] key = ObjectSignature.rawPublicKey(operator.getPublic());
        root = new Relay(RelayConfig.builder().nodeId("root").access(RelayConfig.Access.enforcing(key)).build())
                .start();
        root.origin().declare(VIDEO);
        root.origin().declare(OTHER);
        edge = new Relay(RelayConfig.builder().nodeId("edge").parent(root.quicAddress())
                .access(RelayConfig.Access.enforcing(key).withToken(
                        AccessToken.relay(now() + 600, "edge").sign(operator.getPrivate()))).build()).start();
        gateway = new Gateway(edge, GatewayConfig.builder().build()).start();
        clientLoop = Transports.newGroup(1, "wt-client");
        endpoint = WebTransportSession.bindEndpoint(clientLoop.next(), new InetSocketAddress("127.0.0.1", 0));
        Await.until("the edge attached", Duration.ofSeconds(10), () -> edge.parentId() != null);
    }

    @AfterEach
    void stop() {
        sessions.forEach(SubscriberSession::close);
        for (SubscriberSession s : sessions) {
            s.closeFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : new AutoCloseable[] {endpoint, gateway, edge, root}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
        if (clientLoop != null) {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private String token(String broadcast, long expires) {
        return AccessToken.viewer(broadcast, null, expires, "viewer").sign(operator.getPrivate());
    }

    private URI url(String broadcast, String token) {
        return URI.create(gateway.webTransportUrl(broadcast) + (token == null ? "" : "?token=" + token));
    }

    private WebTransportSession open(URI url, SubscriberSession.Options options) throws Exception {
        WebTransportSession session = WebTransportSession.connect(endpoint, url, options,
                new SubscriberSession.Listener<WebTransportSession>() {
                }).get(10, TimeUnit.SECONDS);
        sessions.add(session);
        return session;
    }

    /** The session could not start: why. */
    private SessionClosedException refused(URI url, SubscriberSession.Options options) {
        try {
            open(url, options);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SessionClosedException.class);
            return (SessionClosedException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the session to " + url + " was not refused");
    }

    private static SubscriberSession.Options viewer() {
        return SubscriberSession.Options.viewer("browser");
    }

    private RecordingSubscriber subscribe(WebTransportSession session, TrackName track) {
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(track, StartPosition.LATEST, 0, recorder);
        Await.until("an answer to SUBSCRIBE " + track, Duration.ofSeconds(10),
                () -> recorder.subscribed() || recorder.error() != null);
        return recorder;
    }

    @Test
    void aConnectWithoutAValidTokenForItsBroadcastIsRefusedWithTheStatusAndCodeThatSayWhy() {
        String valid = token("live", now() + 600);
        String tampered = valid.substring(0, 9) + (valid.charAt(9) == 'A' ? 'B' : 'A') + valid.substring(10);

        SessionClosedException none = refused(url("live", null), viewer());
        assertThat(none.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(none.getMessage()).contains("refused with status 401: a viewer needs a token");
        SessionClosedException forged = refused(url("live", tampered), viewer());
        assertThat(forged.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(forged.getMessage()).contains("status 401: the token's signature does not hold")
                .doesNotContain(tampered);
        SessionClosedException expired = refused(url("live", token("live", now() - 60)), viewer());
        assertThat(expired.code()).isEqualTo(ErrorCode.TOKEN_EXPIRED);
        assertThat(expired.getMessage()).contains("status 403: the token expired");
        SessionClosedException foreign = refused(url("live", token("other", now() + 600)), viewer());
        assertThat(foreign.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(foreign.getMessage()).contains("status 403: the token is for broadcast 'other', not 'live'");

        assertThat(gateway.metrics().connectsRefused(401)).isEqualTo(2);
        assertThat(gateway.metrics().connectsRefused(403)).isEqualTo(2);
        for (String reason : List.of("missing", "bad-signature", "expired", "wrong-broadcast")) {
            assertThat(gateway.metrics().authRefusals(reason)).as(reason).isEqualTo(1);
        }
        assertThat(gateway.metrics().sessionsOpened()).as("no session was ever opened").isZero();
    }

    @Test
    void aValidTokenPlaysItsBroadcastAndNoOther() throws Exception {
        WebTransportSession session = open(url("live", token("live", now() + 600)), viewer());
        RecordingSubscriber video = subscribe(session, VIDEO);
        assertThat(video.subscribed()).isTrue();
        root.origin().publish(VIDEO, 0, ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, 0, 1, null,
                Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        Await.until("the object arrives", Duration.ofSeconds(10), () -> video.count() == 1);

        RecordingSubscriber other = subscribe(session, OTHER);
        assertThat(other.error()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(edge.metrics().authRefusals("wrong-broadcast")).isEqualTo(1);
    }

    @Test
    void aTokenInSetupIsCheckedTooAndMustNameTheSameBroadcast() throws Exception {
        String valid = token("live", now() + 600);
        // the URL's token admits, the one in SETUP is for another broadcast: the session ends with FORBIDDEN
        SessionClosedException mismatch = refused(url("live", valid),
                viewer().withToken(token("other", now() + 600)));
        assertThat(mismatch.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(edge.metrics().authRefusals("wrong-broadcast")).isEqualTo(1);
        Await.until("the session counted as refused", Duration.ofSeconds(5),
                () -> gateway.metrics().sessionsClosed(CloseReason.UNAUTHORIZED) == 1);

        assertThat(open(url("live", valid), viewer().withToken(valid)).isOpen()).isTrue();
    }
}
