package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.gateway.webtransport.Capsule;
import dev.treecast.gateway.webtransport.CapsuleDecoder;
import dev.treecast.gateway.webtransport.WebTransportErrors;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;

/**
 * The gateway's own limits, hit on purpose by a bare HTTP/3 client: the cap on sessions (503 at CONNECT) and on
 * connections (H3_EXCESSIVE_LOAD), and the handshake timeout (TIMEOUT, for a connection without a session and for a
 * session without SETUP), each counted under its name.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayLimitsTest {
    private Relay relay;
    private Gateway gateway;
    private final List<H3TestClient> clients = new ArrayList<>();

    private void start(GatewayConfig config) throws Exception {
        relay = new Relay(RelayConfig.builder().nodeId("solo").build()).start();
        gateway = new Gateway(relay, config).start();
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
    void aFullGatewayAnswers503AndClosesConnectionsBeyondTwiceItsSessions() throws Exception {
        start(GatewayConfig.builder().maxSessions(1).build());
        H3TestClient one = client();
        assertThat(one.request(one.webTransportConnect("/watch/a")).status()).isEqualTo(200);
        H3TestClient two = client();
        assertThat(two.request(two.webTransportConnect("/watch/a")).status()).isEqualTo(503);
        assertThat(gateway.metrics().limitsHit("sessions")).isEqualTo(1);

        // Two connections are open (one session, one refused): a third is closed as soon as it is set up.
        H3TestClient three = client();
        QuicConnectionCloseEvent close = three.closed.get(10, TimeUnit.SECONDS);
        assertThat(close.isApplicationClose()).isTrue();
        assertThat(close.error()).isEqualTo(WebTransportErrors.H3_EXCESSIVE_LOAD);
        assertThat(gateway.metrics().limitsHit("sessions")).isEqualTo(2);
        assertThat(gateway.sessionCount()).isEqualTo(1);
    }

    @Test
    void aConnectionThatOpensNoSessionInTimeIsClosedWithTimeout() throws Exception {
        start(GatewayConfig.builder().handshakeTimeout(Duration.ofMillis(300)).build());
        H3TestClient idle = client();
        QuicConnectionCloseEvent close = idle.closed.get(10, TimeUnit.SECONDS);
        assertThat(close.isApplicationClose()).isTrue();
        assertThat(ErrorCode.of(close.error())).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(gateway.metrics().limitsHit("handshake-timeout")).isEqualTo(1);
    }

    @Test
    void aSessionThatSendsNoSetupInTimeIsClosedWithTimeout() throws Exception {
        start(GatewayConfig.builder().handshakeTimeout(Duration.ofMillis(300)).build());
        H3TestClient quiet = client();
        H3TestClient.Exchange connect = quiet.request(quiet.webTransportConnect("/watch/live"));
        assertThat(connect.status()).isEqualTo(200);
        // No control stream, no SETUP: the session is closed with a CLOSE_WEBTRANSPORT_SESSION saying TIMEOUT.
        connect.inputClosed.get(10, TimeUnit.SECONDS);
        List<Capsule> capsules = new ArrayList<>();
        byte[] body;
        synchronized (connect.body) {
            body = connect.body.toByteArray();
        }
        CapsuleDecoder decoder = new CapsuleDecoder();
        decoder.decode(Unpooled.wrappedBuffer(body), capsules::add);
        decoder.release();
        assertThat(capsules).singleElement().isInstanceOfSatisfying(Capsule.CloseSession.class,
                c -> assertThat(ErrorCode.of(c.code())).isEqualTo(ErrorCode.TIMEOUT));
        assertThat(gateway.metrics().limitsHit("handshake-timeout")).isEqualTo(1);
        assertThat(gateway.metrics().sessionsClosed(CloseReason.LIMIT)).isEqualTo(1);
        assertThat(gateway.metrics().protocolErrors(ErrorCode.TIMEOUT)).isZero();
    }
}
