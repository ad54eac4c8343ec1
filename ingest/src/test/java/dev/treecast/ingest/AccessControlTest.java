package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.ingest.testing.LogCapture;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.SubscriberSession.SessionClosedException;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * The "Trust" issue's access control, end to end: an ingest holding the operator key (its tree controller checks
 * fleet tokens, its director hands out viewer tokens), relays that join with or without a fleet token, viewers over
 * raw QUIC and over WebTransport with no token, an expired one, one for another broadcast and a tampered one. Each
 * refusal has its code, is counted and is logged; the valid tokens play.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AccessControlTest {
    private static final String BROADCAST = "match";
    private static final TrackName VIDEO = new TrackName(BROADCAST, "video");

    private final List<AutoCloseable> running = new ArrayList<>();
    private KeyPair operator;
    private Ingest ingest;
    private BroadcastPublisher publisher;
    private EventLoopGroup viewerLoop;
    private QuicClientEndpoint quic;
    private QuicClientEndpoint webTransport;

    @BeforeEach
    void start() throws Exception {
        operator = SigningKeys.generate();
        ingest = run(new Ingest(IngestConfig.loopback().withOperatorKey(operator)).start());
        publisher = ingest.broadcast(BROADCAST);
        publisher.publishCatalog("{\"tracks\":[{\"name\":\"video\"}]}".getBytes(StandardCharsets.UTF_8),
                List.of("video"), "video");
        viewerLoop = Transports.newGroup(1, "viewers");
        quic = run(QuicClientEndpoint.bind(viewerLoop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1));
        webTransport = run(WebTransportSession.bindEndpoint(viewerLoop.next(), new InetSocketAddress("127.0.0.1", 0)));
    }

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

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private byte[] operatorKey() {
        return ObjectSignature.rawPublicKey(operator.getPublic());
    }

    private String viewerToken(String broadcast, long expires) {
        return AccessToken.viewer(broadcast, null, expires, "test").sign(operator.getPrivate());
    }

    private static String tampered(String token) {
        int i = AccessToken.PREFIX.length() + 5;
        return token.substring(0, i) + (token.charAt(i) == 'A' ? 'B' : 'A') + token.substring(i + 1);
    }

    /** A relay that joins the tree through the controller, presenting {@code fleetToken} ("" for none). */
    private Relay joining(String id, String fleetToken) throws Exception {
        return run(new Relay(RelayConfig.builder().nodeId(id)
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "", 4))
                .access(RelayConfig.Access.enforcing(operatorKey()).withToken(fleetToken)).build()).start());
    }

    private boolean placed(String id) {
        return ingest.tree().view().stream().anyMatch(n -> n.id().equals(id));
    }

    private ErrorCode quicRefusal(Relay relay, String token) {
        try {
            ClientSession.connect(quic, relay.quicAddress(), SubscriberSession.Options.viewer("v").withToken(token),
                    new ClientSession.Listener() {
                    }).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return ((SessionClosedException) e.getCause()).code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("not refused");
    }

    private RecordingSubscriber subscribe(SubscriberSession session) {
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(VIDEO, StartPosition.LATEST, 0, recorder);
        Await.until("an answer to SUBSCRIBE", Duration.ofSeconds(10),
                () -> recorder.subscribed() || recorder.error() != null);
        return recorder;
    }

    private SessionClosedException webTransportRefusal(String url) {
        try {
            run(WebTransportSession.connect(webTransport, URI.create(url), SubscriberSession.Options.viewer("b"),
                    new SubscriberSession.Listener<WebTransportSession>() {
                    }).get(10, TimeUnit.SECONDS)::close);
        } catch (ExecutionException e) {
            return (SessionClosedException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("not refused: " + url);
    }

    @Test
    void joinWithoutCredentialsAndSubscribeWithAnExpiredForeignOrTamperedTokenAreRefusedLoggedAndCounted()
            throws Exception {
        Relay root = ingest.root();
        try (LogCapture log = new LogCapture()) {
            // A relay without a fleet token: the controller never places it.
            Relay intruder = joining("intruder", "");
            Await.until("the intruder's JOIN refused", Duration.ofSeconds(10),
                    () -> root.metrics().authRefusals("missing") >= 1);
            // One with an expired token, one presenting a viewer token: refused too.
            joining("stale", AccessToken.relay(now() - 1, "stale").sign(operator.getPrivate()));
            joining("pretender", viewerToken(BROADCAST, now() + 600));
            Await.until("the stale and the pretending relays refused", Duration.ofSeconds(10),
                    () -> root.metrics().authRefusals("expired") >= 1 && root.metrics().authRefusals("wrong-role") >= 1);

            // A relay with a fleet token is placed, and its edge serves browsers.
            Relay edge = joining("edge", AccessToken.relay(now() + 3600, "edge").sign(operator.getPrivate()));
            Gateway gateway = run(new Gateway(edge, GatewayConfig.builder().build()).start());
            edge.edge(gateway.webTransportUrl(""), edge.certificates().sha256Hex());
            Await.until("the edge placed and known to the director", Duration.ofSeconds(10),
                    () -> edge.parentId() != null && ingest.director().size() == 1);
            assertThat(placed("intruder")).isFalse();
            assertThat(placed("stale")).isFalse();
            assertThat(placed("pretender")).isFalse();
            assertThat(intruder.parentId()).isNull();
            assertThat(log.lines("refused")).anyMatch(l -> l.contains("SETUP as RELAY 'intruder' closed with"
                    + " UNAUTHORIZED: no token"));
            assertThat(log.lines("refused")).anyMatch(l -> l.contains("SETUP as RELAY 'stale' closed with"
                    + " TOKEN_EXPIRED: the token expired"));

            // treecast/1 viewers over raw QUIC at the edge.
            String valid = viewerToken(BROADCAST, now() + 600);
            assertThat(quicRefusal(edge, "")).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(quicRefusal(edge, viewerToken(BROADCAST, now() - 1))).isEqualTo(ErrorCode.TOKEN_EXPIRED);
            assertThat(quicRefusal(edge, tampered(valid))).isEqualTo(ErrorCode.UNAUTHORIZED);
            ClientSession foreign = ClientSession.connect(quic, edge.quicAddress(),
                    SubscriberSession.Options.viewer("v").withToken(viewerToken("another", now() + 600)),
                    new ClientSession.Listener() {
                    }).get(10, TimeUnit.SECONDS);
            assertThat(subscribe(foreign).error()).isEqualTo(ErrorCode.FORBIDDEN);
            assertThat(edge.metrics().authRefusals("missing")).isEqualTo(1);
            assertThat(edge.metrics().authRefusals("expired")).isEqualTo(1);
            assertThat(edge.metrics().authRefusals("bad-signature")).isEqualTo(1);
            assertThat(edge.metrics().authRefusals("wrong-broadcast")).isEqualTo(1);
            assertThat(log.lines("refused quic")).anyMatch(l -> l.contains("SUBSCRIBE to match#video refused with"
                    + " FORBIDDEN: the token is for broadcast 'another', not 'match'"));

            // Browsers over WebTransport: refused on the CONNECT, before any session exists.
            String url = gateway.webTransportUrl(BROADCAST);
            SessionClosedException none = webTransportRefusal(url);
            assertThat(none.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(none.getMessage()).contains("status 401");
            SessionClosedException expired = webTransportRefusal(url + "?token=" + viewerToken(BROADCAST, now() - 1));
            assertThat(expired.code()).isEqualTo(ErrorCode.TOKEN_EXPIRED);
            assertThat(expired.getMessage()).contains("status 403");
            SessionClosedException other = webTransportRefusal(url + "?token=" + viewerToken("another", now() + 600));
            assertThat(other.code()).isEqualTo(ErrorCode.FORBIDDEN);
            assertThat(other.getMessage()).contains("status 403");
            SessionClosedException forged = webTransportRefusal(url + "?token=" + tampered(valid));
            assertThat(forged.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
            assertThat(forged.getMessage()).contains("status 401");
            for (String reason : List.of("missing", "expired", "wrong-broadcast", "bad-signature")) {
                assertThat(gateway.metrics().authRefusals(reason)).as(reason).isEqualTo(1);
            }
            assertThat(gateway.metrics().sessionsOpened()).isZero();
            assertThat(log.lines("refused webtransport")).anyMatch(l -> l.contains("CONNECT /watch/match answered 403"
                    + " with TOKEN_EXPIRED: the token expired"));
            assertThat(String.join("\n", log.lines(""))).as("no token is ever logged")
                    .doesNotContain(valid.substring(AccessToken.PREFIX.length()));

            // The valid tokens play: one minted by hand over QUIC, and the director's over WebTransport.
            ClientSession player = ClientSession.connect(quic, edge.quicAddress(),
                    SubscriberSession.Options.viewer("v").withToken(valid), new ClientSession.Listener() {
                    }).get(10, TimeUnit.SECONDS);
            RecordingSubscriber quicViewer = subscribe(player);
            assertThat(quicViewer.subscribed()).isTrue();

            JsonNode answer = new ObjectMapper().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ingest.httpAddress().getPort() + "/api/director?broadcast="
                            + BROADCAST)).build(), HttpResponse.BodyHandlers.ofString()).body());
            String directorToken = answer.path("token").asText();
            assertThat(answer.path("edge").path("url").asText())
                    .isEqualTo(url + "?token=" + directorToken);
            assertThat(new AccessToken.Verifier(operatorKey()).verify(directorToken, now()).token().broadcast())
                    .isEqualTo(BROADCAST);
            WebTransportSession browser = WebTransportSession.connect(webTransport,
                    URI.create(answer.path("edge").path("url").asText()), SubscriberSession.Options.viewer("b"),
                    new SubscriberSession.Listener<WebTransportSession>() {
                    }).get(10, TimeUnit.SECONDS);
            run(browser::close);
            RecordingSubscriber webViewer = subscribe(browser);
            assertThat(webViewer.subscribed()).isTrue();

            for (int i = 0; i < 3; i++) {
                publisher.publish("video", i == 0, Unpooled.wrappedBuffer(new byte[] {(byte) i, 1, 2}));
            }
            Await.until("both viewers play", Duration.ofSeconds(10),
                    () -> quicViewer.count() == 3 && webViewer.count() == 3,
                    () -> quicViewer.count() + " / " + webViewer.count());
        }
    }
}
