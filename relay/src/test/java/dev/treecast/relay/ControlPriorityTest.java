package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

/**
 * Control messages leave before media. A child relay that resumes from its new parent's cache after a repair
 * counts the parent as connected only on SUBSCRIBE_OK, and the catch-up that subscription starts is megabytes; when
 * the control stream had quiche's default urgency (127, the last place), the reply left only after every media byte
 * the congestion window let out before it: on a lossy link over a second, and the repair was given up.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControlPriorityTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final int OBJECTS = 200;
    private static final int OBJECT_BYTES = 20_000;

    private Relay root;
    private EventLoopGroup loop;

    @AfterEach
    void stop() {
        if (loop != null) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (root != null) {
            root.close();
        }
    }

    @Test
    void aSubscribeReplyDoesNotWaitBehindTheCatchUpItStarts() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root")
                .budgets(Duration.ofSeconds(8), Duration.ofSeconds(8)).build()).start();
        Publisher publisher = new Publisher(root, VIDEO);
        // 4 MB in the cache: the catch-up a resuming child gets.
        publisher.group(0, OBJECTS, OBJECT_BYTES);
        Await.until("the group cached", Duration.ofSeconds(10), () -> root.metrics().cacheBytes() >= OBJECTS * OBJECT_BYTES,
                () -> root.metrics().cacheBytes());

        loop = Transports.newGroup(1, "child");
        QuicClientEndpoint endpoint = QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        ClientSession child = ClientSession.connect(endpoint, root.quicAddress(), ClientSession.Options.viewer("child"),
                new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger receivedBeforeReply = new AtomicInteger(-1);
        child.subscribe(VIDEO, new StartPosition.At(0, 0), 0, new ClientSession.SubscriptionListener() {
            @Override
            public void onSubscribed(OptionalLong latestGroup) {
                receivedBeforeReply.set(received.get());
            }

            @Override
            public void onSubscribeError(ErrorCode code, String reason) {
                throw new AssertionError("refused: " + code + " " + reason);
            }

            @Override
            public void onObject(long group, ObjectFrame object) {
                object.release();
                received.incrementAndGet();
            }

            @Override
            public void onGroupEnd(long group, ErrorCode code) {
            }
        });
        Await.until("the whole group received", Duration.ofSeconds(20), () -> received.get() == OBJECTS,
                received::get);
        // Not zero: the reply and the first objects may share a datagram, read in either order.
        assertThat(receivedBeforeReply.get()).as("objects of the catch-up received before SUBSCRIBE_OK")
                .isBetween(0, 10);
    }
}
