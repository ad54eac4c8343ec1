package dev.treecast.gateway;

import dev.treecast.relay.testing.Publisher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.SubscribeOk;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.testing.UdpProxy;

/**
 * Viewers that misbehave (vanish without a word, send garbage) lose their own session, are counted, and release
 * their subscriptions, while an honest viewer on the same gateway keeps receiving throughout.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ViewerFailureTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);

    private Relay root;
    private Relay edge;
    private Gateway gateway;
    private Publisher publisher;
    private FlupkeViewer honest;
    private long nextGroup;

    @BeforeEach
    void start() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        edge = new Relay(RelayConfig.builder().nodeId("edge").parent(root.quicAddress()).build()).start();
        gateway = new Gateway(edge, GatewayConfig.builder().idleTimeout(IDLE_TIMEOUT).build()).start();
        publisher = new Publisher(root, VIDEO);
        honest = subscribed(FlupkeViewer.open(url(gateway.webTransportAddress().getPort())), "honest");
        assertHonestViewerServed();
    }

    @AfterEach
    void stop() {
        if (honest != null) {
            honest.stopHeartbeats();
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

    private static URI url(int port) {
        return URI.create("https://127.0.0.1:" + port + "/watch/" + VIDEO.broadcast());
    }

    /** Sets up, subscribes, heartbeats (so a 1 s idle timeout never fires while it is alive). */
    private static FlupkeViewer subscribed(FlupkeViewer viewer, String name) throws Exception {
        viewer.setup(name).subscribe(0, VIDEO).heartbeat(Duration.ofMillis(200));
        Await.until(name + " subscribed", Duration.ofSeconds(10),
                () -> viewer.messages().stream().anyMatch(m -> m instanceof SubscribeOk), viewer::messages);
        return viewer;
    }

    /** Publishes one more group and waits until the honest viewer has it complete. */
    private void assertHonestViewerServed() {
        long group = nextGroup++;
        publisher.group(group, 3, 5000);
        Await.until("honest viewer receives group " + group, Duration.ofSeconds(10),
                () -> honest.groups().containsKey(group) && honest.groups().get(group).fin, honest::groups);
        assertThat(honest.objectsOf(group)).hasSize(3);
    }

    /** Keeps publishing groups (checking the honest viewer gets each) until {@code condition} holds. */
    private void publishUntil(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for " + what).isNegative();
            assertHonestViewerServed();
        }
    }

    @Test
    void aViewerThatVanishesIsClosedByTheIdleTimeoutAndItsSubscriptionReleased() throws Exception {
        try (UdpProxy proxy = new UdpProxy(gateway.webTransportAddress())) {
            FlupkeViewer vanishing = subscribed(FlupkeViewer.open(url(proxy.port())), "vanishing");
            assertHonestViewerServed();
            Await.until("the vanishing viewer is served too", Duration.ofSeconds(10),
                    () -> vanishing.completeGroups() >= 1, vanishing::groups);
            assertThat(gateway.metrics().sessions()).isEqualTo(2);
            assertThat(edge.metrics().subscribers()).isEqualTo(2);

            // Its network goes away: no CLOSE, no reset, no CONNECTION_CLOSE, just silence.
            vanishing.stopHeartbeats();
            proxy.goSilent();
            long silentAt = System.nanoTime();

            publishUntil("the idle timeout to end the vanished session", Duration.ofSeconds(15),
                    () -> gateway.metrics().sessionsClosed(CloseReason.IDLE_TIMEOUT) == 1);
            long tookMillis = (System.nanoTime() - silentAt) / 1_000_000;
            assertThat(tookMillis).isGreaterThanOrEqualTo(IDLE_TIMEOUT.toMillis() - 100);
            assertThat(gateway.metrics().sessions()).isEqualTo(1);
            assertThat(gateway.sessionCount()).isEqualTo(1);
            Await.until("its subscription released at the relay", Duration.ofSeconds(5),
                    () -> edge.metrics().subscribers() == 1, edge.metrics()::subscribers);
            assertThat(edge.call(() -> edge.core().sessionCount())).isEqualTo(1);
            assertHonestViewerServed();
        }
    }

    @Test
    void aViewerSendingGarbageIsClosedWithTheErrorCodeAndCounted() throws Exception {
        FlupkeViewer hostile = FlupkeViewer.open(url(gateway.webTransportAddress().getPort()));
        hostile.setup("hostile");
        Await.until("SETUP_OK", Duration.ofSeconds(10), () -> !hostile.messages().isEmpty());
        // A control message of unknown type 0x3e. The gateway may react (reset the stream) before Flupke's flush
        // returns: then the flush fails, which is the gateway doing its job, not a test failure.
        try {
            hostile.sendRaw(new byte[] {0x3e, 0x01, 0x00});
        } catch (java.io.IOException e) {
            assertThat(e.getMessage()).contains("reset");
        }

        Await.until("the hostile viewer's session closed by the gateway", Duration.ofSeconds(10),
                () -> hostile.closeCode() != null);
        assertThat(hostile.closeCode()).isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE.code());
        assertThat(hostile.closeReason()).contains("unknown control message type 0x3e");
        // The ERROR message goes out on the control stream just before the capsule, but Flupke stops reading every
        // stream of a session as soon as it sees the capsule, so it may or may not have read it.
        assertThat(hostile.messages()).filteredOn(ErrorMessage.class::isInstance).allSatisfy(
                e -> assertThat(((ErrorMessage) e).code()).isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE));
        assertThat(gateway.metrics().protocolErrors(ErrorCode.UNKNOWN_MESSAGE_TYPE)).isEqualTo(1);
        assertThat(gateway.metrics().sessionsClosed(CloseReason.PROTOCOL_ERROR)).isEqualTo(1);
        assertThat(edge.metrics().protocolErrors(ErrorCode.UNKNOWN_MESSAGE_TYPE)).isEqualTo(1);
        assertThat(gateway.metrics().sessions()).isEqualTo(1);
        assertHonestViewerServed();
    }

    @Test
    void subscribingBeforeSetupIsAProtocolViolationForThatViewerOnly() throws Exception {
        FlupkeViewer hasty = FlupkeViewer.open(url(gateway.webTransportAddress().getPort()));
        hasty.subscribe(0, VIDEO);
        Await.until("the hasty viewer's session closed", Duration.ofSeconds(10), () -> hasty.closeCode() != null);
        assertThat(hasty.closeCode()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION.code());
        assertThat(gateway.metrics().protocolErrors(ErrorCode.PROTOCOL_VIOLATION)).isEqualTo(1);
        assertHonestViewerServed();
    }
}
