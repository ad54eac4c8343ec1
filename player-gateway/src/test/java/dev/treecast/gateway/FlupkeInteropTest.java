package dev.treecast.gateway;

import dev.treecast.relay.testing.Publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.SetupOk;
import dev.treecast.protocol.control.SubscribeOk;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import tech.kwik.flupke.HttpError;

/**
 * Interop with an independent WebTransport implementation: Flupke 0.9.4 (Kwik 0.10.8) as the browser's stand-in,
 * through a two-relay tree (root → edge) whose edge serves WebTransport.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlupkeInteropTest {
    private static final TrackName VIDEO = new TrackName("live/final", "video");

    private Relay root;
    private Relay edge;
    private Gateway gateway;
    private Publisher publisher;

    @BeforeEach
    void startTree() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        edge = new Relay(RelayConfig.builder().nodeId("edge").parent(root.quicAddress()).build()).start();
        gateway = new Gateway(edge, GatewayConfig.builder().build()).start();
        publisher = new Publisher(root, VIDEO);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        for (Relay r : new Relay[] {edge, root}) {
            if (r != null) {
                r.close();
            }
        }
    }

    @Test
    void aFlupkeViewerReceivesEveryObjectOfSeveralGroupsByteIdenticalInOrderWithFinAtEachEnd() throws Exception {
        FlupkeViewer viewer = FlupkeViewer.open(URI.create(gateway.webTransportUrl(VIDEO.broadcast())));
        viewer.setup("flupke").subscribe(0, VIDEO);
        Await.until("SETUP_OK and SUBSCRIBE_OK", Duration.ofSeconds(10),
                () -> viewer.messages().stream().anyMatch(m -> m instanceof SubscribeOk), viewer::messages);
        assertThat(viewer.messages().getFirst()).isEqualTo(new SetupOk(1, "edge"));

        int groups = 5;
        int objectsPerGroup = 10;
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < objectsPerGroup; o++) {
                publisher.publish(g, o, sizeOf(g, o));
            }
            publisher.endGroup(g);
        }
        Await.until("all groups complete", Duration.ofSeconds(20), () -> viewer.completeGroups() == groups,
                viewer::groups);

        for (int g = 0; g < groups; g++) {
            FlupkeViewer.Group group = viewer.groups().get((long) g);
            assertThat(group.header.subscriptionId()).isZero();
            assertThat(group.fin).isTrue();
            assertThat(group.error).isNull();
            List<FlupkeViewer.Received> objects = viewer.objectsOf(g);
            assertThat(objects).extracting(FlupkeViewer.Received::sequence)
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            for (FlupkeViewer.Received r : objects) {
                assertThat(r.payload()).isEqualTo(Publisher.payload(g, r.sequence(), sizeOf(g, (int) r.sequence())));
                assertThat(r.timestampMicros()).isEqualTo(Publisher.timestamp(g, r.sequence()));
            }
        }
        assertThat(gateway.metrics().sessions()).isEqualTo(1);
        assertThat(edge.metrics().subscribers()).isEqualTo(1);

        viewer.close();
        Await.until("session closed cleanly", Duration.ofSeconds(10),
                () -> gateway.metrics().sessionsClosed(CloseReason.CLEAN) == 1);
        Await.until("subscription released", Duration.ofSeconds(5), () -> edge.metrics().subscribers() == 0);
        assertThat(gateway.metrics().sessions()).isZero();
    }

    @Test
    void aUnidirectionalStreamFromAViewerIsStoppedAndCountedWhileItsSessionGoesOn() throws Exception {
        FlupkeViewer viewer = FlupkeViewer.open(URI.create(gateway.webTransportUrl(VIDEO.broadcast())));
        viewer.setup("chatty").subscribe(0, VIDEO);
        Await.until("subscribed", Duration.ofSeconds(10),
                () -> viewer.messages().stream().anyMatch(m -> m instanceof SubscribeOk), viewer::messages);
        viewer.sendOnNewUnidirectionalStream(new byte[] {1, 2, 3});
        Await.until("stream refused", Duration.ofSeconds(10),
                () -> gateway.metrics().streamsRefused("webtransport-uni") == 1);

        publisher.group(0, 3, 1000);
        Await.until("the session still delivers", Duration.ofSeconds(10), () -> viewer.completeGroups() == 1,
                viewer::groups);
        assertThat(viewer.isOpen()).isTrue();
        assertThat(gateway.metrics().sessions()).isEqualTo(1);
    }

    @Test
    void aFlupkeSessionOutsideWatchIsRefusedWith404() {
        String url = gateway.webTransportUrl("x").replace("/watch/x", "/elsewhere");
        assertThatThrownBy(() -> FlupkeViewer.open(URI.create(url)))
                .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
        assertThat(gateway.metrics().connectsRefused(404)).isEqualTo(1);
    }

    private static int sizeOf(int group, int object) {
        return object == 0 ? 60_000 + group * 1000 : 100 + 997 * object;
    }
}
