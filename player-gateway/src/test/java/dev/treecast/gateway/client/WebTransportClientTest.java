package dev.treecast.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
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
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * {@link WebTransportSession} against the real gateway over UDP on loopback, through a two-relay tree (root → edge,
 * the edge serving WebTransport): what arrives is exactly what was published, both ways of ending are reported, and
 * one endpoint carries many sessions.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebTransportClientTest {
    private static final TrackName VIDEO = new TrackName("live", "video");

    private Relay root;
    private Relay edge;
    private Gateway gateway;
    private EventLoopGroup clientLoop;
    private QuicClientEndpoint endpoint;
    private final List<SubscriberSession> sessions = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        root.origin().declare(VIDEO);
        edge = new Relay(RelayConfig.builder().nodeId("edge").parent(root.quicAddress()).build()).start();
        gateway = new Gateway(edge, GatewayConfig.builder().build()).start();
        clientLoop = Transports.newGroup(1, "wt-client");
        endpoint = WebTransportSession.bindEndpoint(clientLoop.next(), new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        sessions.forEach(SubscriberSession::close);
        for (SubscriberSession s : sessions) {
            s.closeFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (clientLoop != null) {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
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

    private WebTransportSession open(String name, SubscriberSession.Listener<? super WebTransportSession> listener)
            throws Exception {
        WebTransportSession session = WebTransportSession.connect(endpoint,
                URI.create(gateway.webTransportUrl(VIDEO.broadcast())), SubscriberSession.Options.viewer(name),
                listener).get(10, TimeUnit.SECONDS);
        sessions.add(session);
        return session;
    }

    private static byte[] payload(long group, long object, int size) {
        byte[] bytes = new byte[size];
        new Random(group * 1_000_003L + object).nextBytes(bytes);
        return bytes;
    }

    private static long timestamp(long group, long object) {
        return 1_700_000_000_000_000L + group * 1_000_000L + object * 1_000L;
    }

    private static int sizeOf(long group, long object) {
        return object == 0 ? 60_000 + (int) group * 1000 : 100 + 997 * (int) object;
    }

    /** Publishes group {@code group} of {@code objects} deterministic objects at the root and ends it. */
    private void publishGroup(long group, int objects) {
        publishGroup(group, objects, -1);
    }

    /** As above, every object {@code size} bytes ({@link #sizeOf} if negative). */
    private void publishGroup(long group, int objects, int size) {
        for (int o = 0; o < objects; o++) {
            ByteBuf bytes = Unpooled.wrappedBuffer(payload(group, o, size < 0 ? sizeOf(group, o) : size));
            root.origin().publish(VIDEO, group, ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, o,
                    timestamp(group, o), null, bytes));
        }
        root.origin().endGroup(VIDEO, group);
    }

    @Test
    void everyObjectOfSeveralGroupsArrivesByteIdenticalInOrderWithFinAtEachEnd() throws Exception {
        WebTransportSession session = open("wt-viewer", new SubscriberSession.Listener<>() {
        });
        assertThat(session.peerNodeId()).isEqualTo("edge");
        assertThat(session.isOpen()).isTrue();
        assertThat(session.sessionId()).isZero(); // the client's first bidirectional stream carried the CONNECT
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(VIDEO, StartPosition.LATEST, 1, recorder);
        Await.until("SUBSCRIBE_OK", Duration.ofSeconds(10), recorder::subscribed, recorder::error);

        int groups = 5;
        int objectsPerGroup = 10;
        for (int g = 0; g < groups; g++) {
            publishGroup(g, objectsPerGroup);
        }
        Await.until("every group ended", Duration.ofSeconds(10), () -> recorder.ends().size() == groups,
                recorder::ends);

        assertThat(recorder.ends()).extracting(RecordingSubscriber.GroupEnd::code).containsOnly(ErrorCode.NO_ERROR);
        assertThat(recorder.objects()).hasSize(groups * objectsPerGroup);
        for (int g = 0; g < groups; g++) {
            long group = g;
            List<RecordingSubscriber.Received> objects = recorder.objects().stream()
                    .filter(r -> r.group() == group).toList();
            assertThat(objects).extracting(RecordingSubscriber.Received::sequence)
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            for (RecordingSubscriber.Received r : objects) {
                assertThat(r.payload()).isEqualTo(payload(g, r.sequence(), sizeOf(g, r.sequence())));
                assertThat(r.timestampMicros()).isEqualTo(timestamp(g, r.sequence()));
            }
        }
        assertThat(gateway.metrics().sessions()).isEqualTo(1);
        assertThat(edge.metrics().subscribers()).isEqualTo(1);

        session.close();
        assertThat(session.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        Await.until("session closed cleanly at the gateway", Duration.ofSeconds(5),
                () -> gateway.metrics().sessionsClosed(CloseReason.CLEAN) == 1);
        Await.until("subscription released", Duration.ofSeconds(5), () -> edge.metrics().subscribers() == 0);
        assertThat(session.isOpen()).isFalse();
    }

    @Test
    void closingTheGatewayIsReportedAsGoingAway() throws Exception {
        CompletableFuture<ErrorCode> closed = new CompletableFuture<>();
        WebTransportSession session = open("leaving", new SubscriberSession.Listener<SubscriberSession>() {
            @Override
            public void onClosed(SubscriberSession s, ErrorCode code, String reason) {
                closed.complete(code);
            }
        });
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(VIDEO, StartPosition.LATEST, 1, recorder);
        Await.until("SUBSCRIBE_OK", Duration.ofSeconds(10), recorder::subscribed);

        gateway.close();

        assertThat(closed.get(5, TimeUnit.SECONDS)).isEqualTo(ErrorCode.GOING_AWAY);
        assertThat(session.isOpen()).isFalse();
        assertThat(session.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.metrics().sessionsClosed(CloseReason.SHUTDOWN)).isEqualTo(1);
    }

    @Test
    void aConnectOutsideWatchFailsWithNotFound() {
        URI elsewhere = URI.create(gateway.webTransportUrl("x").replace("/watch/x", "/elsewhere"));
        var connecting = WebTransportSession.connect(endpoint, elsewhere, SubscriberSession.Options.viewer("lost"),
                new SubscriberSession.Listener<>() {
                });
        assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(SubscriberSession.SessionClosedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(gateway.metrics().connectsRefused(404)).isEqualTo(1);
    }

    @Test
    void twoHundredSessionsFromOneEndpointAllReceiveEveryObject() throws Exception {
        int viewers = 200;
        List<io.netty.util.concurrent.Future<WebTransportSession>> connecting = new ArrayList<>();
        URI url = URI.create(gateway.webTransportUrl(VIDEO.broadcast()));
        for (int i = 0; i < viewers; i++) {
            connecting.add(WebTransportSession.connect(endpoint, url, SubscriberSession.Options.viewer("v" + i),
                    new SubscriberSession.Listener<>() {
                    }));
        }
        List<RecordingSubscriber> recorders = new ArrayList<>();
        for (var f : connecting) {
            WebTransportSession session = f.get(15, TimeUnit.SECONDS);
            sessions.add(session);
            RecordingSubscriber recorder = new RecordingSubscriber();
            session.subscribe(VIDEO, StartPosition.LATEST, 1, recorder);
            recorders.add(recorder);
        }
        Await.until("all subscribed", Duration.ofSeconds(10), () -> recorders.stream().allMatch(
                RecordingSubscriber::subscribed), () -> recorders.stream().filter(r -> !r.subscribed()).count());
        assertThat(gateway.sessionCount()).isEqualTo(viewers);

        // Small objects: this checks many sessions, not bandwidth (200 x 60 KB objects would take the loaded
        // relay past the viewers' 1.5 s latency budget on this 2-core machine, and it would rightly skip a group).
        publishGroup(0, 5, 1200);
        publishGroup(1, 5, 1200);
        Await.until("every viewer has both groups", Duration.ofSeconds(10),
                () -> recorders.stream().allMatch(r -> r.endsWith(ErrorCode.NO_ERROR) == 2),
                () -> recorders.stream().filter(r -> r.endsWith(ErrorCode.NO_ERROR) < 2).count() + " behind; "
                        + edge.registry().find("treecast.relay.groups.reset").counters().stream()
                        .map(c -> c.getId().getTag("reason") + "=" + c.count()).toList());
        for (RecordingSubscriber r : recorders) {
            assertThat(r.count()).isEqualTo(10);
            assertThat(r.objects()).filteredOn(o -> o.group() == 1 && o.sequence() == 4).singleElement()
                    .satisfies(o -> assertThat(o.payload()).isEqualTo(payload(1, 4, 1200)));
        }
    }
}
