package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.TrackName;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.testing.RecordingSubscriber;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.protocol.control.StartPosition;
import io.netty.channel.EventLoopGroup;

/** The root relay's publisher API, called from threads other than the relay's. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OriginTest {
    private static final TrackName CATALOG = new TrackName("live", "catalog");

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

    /**
     * A declared track exists when declare returns, so a subscription the caller starts afterwards finds it. Queued
     * only, it lost a race in CI: the event loop serves ready packets before its queued tasks, and a SUBSCRIBE
     * provoked after the declare was refused NOT_FOUND.
     */
    @Test
    void declareReturnsOnceTheTrackExists() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        CountDownLatch release = new CountDownLatch(1);
        root.eventLoop().execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Void> declared = CompletableFuture.runAsync(() -> root.origin().declare(CATALOG));
        // The relay's thread is held: the declare cannot have happened, so it must not have returned either.
        assertThatThrownBy(() -> declared.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        release.countDown();
        declared.get(10, TimeUnit.SECONDS);

        loop = Transports.newGroup(1, "viewer");
        QuicClientEndpoint endpoint = QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        ClientSession viewer = ClientSession.connect(endpoint, root.quicAddress(),
                ClientSession.Options.viewer("viewer"), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        RecordingSubscriber catalog = new RecordingSubscriber();
        viewer.subscribe(CATALOG, StartPosition.LATEST, 0, catalog);
        Await.until("subscribed", Duration.ofSeconds(10), () -> catalog.subscribed() || catalog.error() != null);
        assertThat(catalog.error()).isNull();
    }

    /** Called on the relay's own thread (a source driven by it), declare runs at once instead of waiting on itself. */
    @Test
    void declareOnTheRelaysThreadRunsInline() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        CompletableFuture<Void> done = new CompletableFuture<>();
        root.eventLoop().execute(() -> {
            root.origin().declare(CATALOG);
            new Publisher(root, CATALOG); // declares again: a no-op
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }
}
