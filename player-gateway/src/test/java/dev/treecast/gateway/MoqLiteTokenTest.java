package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.client.MoqLiteTestClient;
import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.protocol.moqlite.MoqLite;
import dev.treecast.protocol.moqlite.Subscribe;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

/**
 * With the operator key, a moq-lite viewer passes its token as Treecast browser viewers do, {@code ?token=} on the
 * CONNECT URL: no token or a forged one is refused at CONNECT (401), and a valid one admits to its broadcast only,
 * checked at each SUBSCRIBE (another broadcast's subscribe stream is reset with FORBIDDEN, the session goes on).
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MoqLiteTokenTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final TrackName OTHER = new TrackName("other", "video");
    private static final List<String> OFFER = List.of(MoqLite.PROTOCOL_05);

    private KeyPair operator;
    private Relay root;
    private Relay edge;
    private Gateway gateway;
    private EventLoopGroup clientLoop;
    private QuicClientEndpoint endpoint;
    private final List<MoqLiteTestClient> clients = new ArrayList<>();

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
        clientLoop = Transports.newGroup(1, "moq-lite-client");
        endpoint = WebTransportSession.bindEndpoint(clientLoop.next(), new InetSocketAddress("127.0.0.1", 0));
        Await.until("the edge attached", Duration.ofSeconds(10), () -> edge.parentId() != null);
    }

    @AfterEach
    void stop() {
        clients.forEach(MoqLiteTestClient::close);
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

    private MoqLiteTestClient connect(String path) throws Exception {
        MoqLiteTestClient client = MoqLiteTestClient.connect(endpoint, gateway.webTransportAddress(), path, OFFER);
        clients.add(client);
        return client;
    }

    @Test
    void theTokenOnTheConnectUrlAdmitsToItsBroadcastOnly() throws Exception {
        assertThat(connect("/").answer().status()).isEqualTo(401);
        assertThat(connect("/?token=tc1.forged").answer().status()).isEqualTo(401);

        String token = AccessToken.viewer("live", null, now() + 600, "viewer").sign(operator.getPrivate());
        MoqLiteTestClient client = connect("/?token=" + token);
        assertThat(client.answer()).isEqualTo(new MoqLiteTestClient.Answer(200, MoqLite.PROTOCOL_05));

        MoqLiteTestClient.Bidi other = client.openBidi().write(MoqLite.STREAM_SUBSCRIBE, new Subscribe(1, "other",
                "video", 0, false, 0, OptionalLong.empty(), OptionalLong.empty()));
        Await.until("the other broadcast refused", Duration.ofSeconds(10), () -> other.received().resetCode() != null);
        assertThat(other.received().resetCode()).isEqualTo(ErrorCode.FORBIDDEN.code());

        client.openBidi().write(MoqLite.STREAM_SUBSCRIBE, new Subscribe(2, "live", "video", 0, false, 0,
                OptionalLong.empty(), OptionalLong.empty()));
        Await.until("its own broadcast served", Duration.ofSeconds(10), () -> edge.metrics().subscribers() == 1);
        assertThat(gateway.sessionCount()).isEqualTo(1);
    }
}
