package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.testing.RecordingSubscriber;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

/**
 * A subscriber that stops reading (its event loop is blocked, so it neither reads nor acknowledges) must not
 * slow its sibling, and its old groups must be reset instead of queueing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowSubscriberTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final int OBJECT_BYTES = 20_000;
    private static final long OBJECT_EVERY_MILLIS = 20;
    private static final int OBJECTS_PER_GROUP = 25;
    private static final int GROUPS = 8;

    private Relay root;
    private EventLoopGroup fastLoop;
    private EventLoopGroup slowLoop;
    private final CountDownLatch unblock = new CountDownLatch(1);
    private ScheduledExecutorService source;

    @AfterEach
    void stop() {
        unblock.countDown();
        if (source != null) {
            source.shutdownNow();
        }
        for (EventLoopGroup g : new EventLoopGroup[] {fastLoop, slowLoop}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
        if (root != null) {
            root.close();
        }
    }

    @Test
    void aSubscriberThatStopsReadingHasItsOldGroupsResetAndNeverDelaysItsSibling() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root")
                .budgets(Duration.ofMillis(300), Duration.ofSeconds(8)).build()).start();
        Publisher publisher = new Publisher(root, VIDEO);
        fastLoop = Transports.newGroup(1, "fast");
        slowLoop = Transports.newGroup(1, "slow");
        // The slow subscriber grants small windows, so the relay feels its stop at once.
        QuicClientEndpoint fastEndpoint = QuicClientEndpoint.bind(fastLoop.next(), QuicSettings.DEFAULT,
                Alpn.TREECAST_1);
        QuicClientEndpoint slowEndpoint = QuicClientEndpoint.bind(slowLoop.next(),
                QuicSettings.DEFAULT.withWindows(64 << 10, 32 << 10), Alpn.TREECAST_1);
        ClientSession fast = ClientSession.connect(fastEndpoint, root.quicAddress(),
                ClientSession.Options.viewer("fast"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        ClientSession slow = ClientSession.connect(slowEndpoint, root.quicAddress(),
                ClientSession.Options.viewer("slow"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        RecordingSubscriber fastRecorder = new RecordingSubscriber();
        RecordingSubscriber slowRecorder = new RecordingSubscriber();
        fast.subscribe(VIDEO, StartPosition.LATEST, 1, fastRecorder);
        slow.subscribe(VIDEO, StartPosition.LATEST, 1, slowRecorder);
        Await.until("both subscribed", Duration.ofSeconds(10),
                () -> fastRecorder.subscribed() && slowRecorder.subscribed());

        // The slow subscriber stops reading: its only thread is blocked until the end of the test.
        slowLoop.next().execute(() -> {
            try {
                unblock.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        long[] publishedAtNanos = new long[GROUPS * OBJECTS_PER_GROUP];
        AtomicInteger next = new AtomicInteger();
        source = Executors.newSingleThreadScheduledExecutor();
        source.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i >= publishedAtNanos.length) {
                return;
            }
            int group = i / OBJECTS_PER_GROUP;
            int object = i % OBJECTS_PER_GROUP;
            publishedAtNanos[i] = System.nanoTime();
            publisher.publish(group, object, OBJECT_BYTES);
            if (object == OBJECTS_PER_GROUP - 1) {
                publisher.endGroup(group);
            }
        }, 0, OBJECT_EVERY_MILLIS, TimeUnit.MILLISECONDS);

        Await.until("the fast subscriber received everything", Duration.ofSeconds(20),
                () -> fastRecorder.count() == publishedAtNanos.length, fastRecorder::count);

        // Every object reached the sibling, in order, each well within the budget of its publication.
        List<RecordingSubscriber.Received> received = fastRecorder.objects();
        long worstMillis = 0;
        for (RecordingSubscriber.Received r : received) {
            int index = (int) (r.group() * OBJECTS_PER_GROUP + r.sequence());
            worstMillis = Math.max(worstMillis, (r.arrivalNanos() - publishedAtNanos[index]) / 1_000_000);
        }
        assertThat(worstMillis).as("worst delay of the sibling while the other subscriber is stuck (ms)")
                .isLessThan(1000);
        assertThat(fastRecorder.endsWith(ErrorCode.NO_ERROR)).isEqualTo(GROUPS);

        // The stuck subscriber's old groups were reset at the relay, not queued.
        Await.until("groups of the stuck subscriber reset", Duration.ofSeconds(10),
                () -> root.metrics().groupsReset() > 0, () -> root.metrics().groupsReset());

        // Once it reads again it learns which groups were dropped, and is back at the live edge.
        unblock.countDown();
        Await.until("the slow subscriber sees the resets", Duration.ofSeconds(10),
                () -> slowRecorder.endsWith(ErrorCode.TOO_SLOW) > 0, slowRecorder::ends);
        Await.until("the slow subscriber gets the last group", Duration.ofSeconds(10),
                () -> slowRecorder.ends().stream().anyMatch(e -> e.group() == GROUPS - 1), slowRecorder::ends);
        assertThat(slowRecorder.count()).isLessThan(publishedAtNanos.length);
    }
}
