package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.testing.Await;
import dev.treecast.testing.UdpProxy;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

/**
 * A lost handshake packet does not hold a relay's attachment for QUIC's first probe timeout (about a second, before
 * any RTT sample): a second handshake to the same candidate starts when the first is late, and the first session up
 * serves.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ParentHandshakeHedgeTest {
    private Relay root;
    private Relay child;
    private UdpProxy proxy;

    @AfterEach
    void stop() {
        if (child != null) {
            child.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (root != null) {
            root.close();
        }
    }

    @Test
    void aLostInitialPacketIsCoveredByASecondHandshake() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        warmUp(root);
        proxy = new UdpProxy(root.quicAddress());
        // The child's first datagram is its first connection's Initial: lost, that handshake waits for its probe
        // timeout, which comes after the handshake timeout here: without a second handshake it fails.
        proxy.dropNextFromClient(1);
        child = new Relay(RelayConfig.builder().nodeId("child").parent(proxy.address()).build()).start();

        // Hand-configured parents are known by their address.
        String parent = "127.0.0.1:" + proxy.port();
        Await.until("the child attached", Duration.ofSeconds(10), () -> parent.equals(child.parentId()),
                () -> child.parentId());
        assertThat(proxy.droppedFromClient()).isEqualTo(1);
        assertThat(child.metrics().handshakesHedged()).as("second handshakes").isEqualTo(1);
        // Once the first handshake has timed out too, the child is still attached through the second: the failure
        // of the late one was not taken for a failure of the candidate.
        Await.until("the first handshake timed out", Duration.ofSeconds(10),
                () -> child.metrics().handshakesFailed() >= 1, () -> child.metrics().handshakesFailed());
        assertThat(child.parentId()).isEqualTo(parent);
        assertThat(child.metrics().repairs()).isZero();
        Await.until("the root counts one child (its gauges follow once a second)", Duration.ofSeconds(5),
                () -> root.metrics().children() == 1, () -> root.metrics().children());
    }

    /**
     * One handshake from elsewhere first: the first QUIC handshake in a fresh JVM loads its TLS and QUIC classes on
     * the event loop for hundreds of milliseconds, which would delay the second handshake's timer, not lose a packet.
     */
    private static void warmUp(Relay root) throws Exception {
        EventLoopGroup loop = Transports.newGroup(1, "warm-up");
        try {
            QuicClientEndpoint endpoint = QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT,
                    Alpn.TREECAST_1);
            ClientSession.connect(endpoint, root.quicAddress(), ClientSession.Options.viewer("warm-up"),
                    new ClientSession.Listener() {
                    }).get(10, TimeUnit.SECONDS).close(ErrorCode.NO_ERROR, "warm-up done");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
