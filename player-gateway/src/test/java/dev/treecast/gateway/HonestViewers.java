package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.Relay;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.channel.EventLoopGroup;

/**
 * Viewers that behave, over both transports (treecast/1 on the relay's QUIC port, WebTransport through its
 * gateway), watching a track the root publishes at a steady pace, so that a test can check they were not disturbed:
 * every object, in its group, none twice, no group reset, none late.
 */
final class HonestViewers implements AutoCloseable {
    static final TrackName VIDEO = new TrackName("live", "video");
    /** 50 objects a second of 1 KB in half-second groups: a small but steady stream. */
    private static final long OBJECT_EVERY_MILLIS = 20;
    private static final int OBJECTS_PER_GROUP = 25;
    private static final int OBJECT_BYTES = 1000;

    /** One viewer: its name, its session, what it received. */
    record Viewer(String name, SubscriberSession session, RecordingSubscriber recorder) {
    }

    /** How the honest viewers fared. */
    record Report(int viewers, int objectsPublished, long objectsReceived, long worstLatencyMillis,
                  long p99LatencyMillis) {
        @Override
        public String toString() {
            return viewers + " honest viewers received " + objectsReceived + " objects (" + objectsPublished
                    + " published each), latency p99 " + p99LatencyMillis + " ms, worst " + worstLatencyMillis
                    + " ms";
        }
    }

    private final Relay edge;
    private final Publisher publisher;
    private final EventLoopGroup loop = Transports.newGroup(1, "honest-viewers");
    private final QuicClientEndpoint quicEndpoint;
    private final QuicClientEndpoint webTransportEndpoint;
    private final List<Viewer> viewers = new ArrayList<>();
    private final Map<Long, Long> publishedAtNanos = new ConcurrentHashMap<>();
    private ScheduledExecutorService source;
    private volatile int published;
    private volatile boolean stopping;

    HonestViewers(Relay root, Relay edge) throws InterruptedException {
        this.edge = edge;
        this.publisher = new Publisher(root, VIDEO);
        quicEndpoint = QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        webTransportEndpoint = WebTransportSession.bindEndpoint(loop.next(), new java.net.InetSocketAddress(0));
    }

    /** Connects {@code quic} viewers to the edge's QUIC port and {@code webTransport} through {@code gateway}. */
    HonestViewers join(int quic, int webTransport, Gateway gateway) throws Exception {
        List<Viewer> joined = new ArrayList<>();
        for (int i = 0; i < quic; i++) {
            String name = "honest-quic-" + viewers.size() + joined.size();
            ClientSession session = ClientSession.connect(quicEndpoint, edge.quicAddress(),
                    SubscriberSession.Options.viewer(name), new ClientSession.Listener() {
                    }).get(10, TimeUnit.SECONDS);
            joined.add(new Viewer(name, session, new RecordingSubscriber()));
        }
        for (int i = 0; i < webTransport; i++) {
            String name = "honest-webtransport-" + viewers.size() + joined.size();
            WebTransportSession session = WebTransportSession.connect(webTransportEndpoint,
                    URI.create(gateway.webTransportUrl(VIDEO.broadcast())), SubscriberSession.Options.viewer(name),
                    new SubscriberSession.Listener<WebTransportSession>() {
                    }).get(10, TimeUnit.SECONDS);
            joined.add(new Viewer(name, session, new RecordingSubscriber()));
        }
        for (Viewer v : joined) {
            v.session().subscribe(VIDEO, StartPosition.LATEST, 1, v.recorder());
        }
        Await.until("honest viewers subscribed", Duration.ofSeconds(10),
                () -> joined.stream().allMatch(v -> v.recorder().subscribed()), () -> joined);
        viewers.addAll(joined);
        return this;
    }

    /** Starts publishing: one object every 20 ms, a new group every 25 objects. */
    void startPublishing() {
        source = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "honest-publisher"));
        source.scheduleAtFixedRate(this::publishNext, 0, OBJECT_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void publishNext() {
        int i = published;
        if (stopping && i % OBJECTS_PER_GROUP == 0) {
            return; // no new group once stopping: every group published has its FIN
        }
        long group = i / OBJECTS_PER_GROUP;
        long object = i % OBJECTS_PER_GROUP;
        publishedAtNanos.put(key(group, object), System.nanoTime());
        publisher.publish(group, object, OBJECT_BYTES);
        if (object == OBJECTS_PER_GROUP - 1) {
            publisher.endGroup(group);
        }
        published = i + 1;
    }

    /** Objects published so far. */
    int published() {
        return published;
    }

    /**
     * Stops at the end of the current group, waits until every viewer has all of it, and checks that each got every
     * object exactly once, every group ended cleanly (none reset), none later than {@code maxLatency}.
     */
    Report stopAndCheck(Duration maxLatency) throws InterruptedException {
        stopping = true;
        Await.until("the group in progress published to its end", Duration.ofSeconds(5),
                () -> published % OBJECTS_PER_GROUP == 0);
        source.shutdown();
        assertThat(source.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        int total = published;
        assertThat(total).as("objects published").isPositive();
        Await.until("every honest viewer has every object", Duration.ofSeconds(15),
                () -> viewers.stream().allMatch(v -> v.recorder().count() >= total), this::counts);
        List<Long> latencies = new ArrayList<>();
        for (Viewer v : viewers) {
            List<RecordingSubscriber.Received> received = v.recorder().objects();
            Set<Long> seen = new HashSet<>();
            for (RecordingSubscriber.Received r : received) {
                long key = key(r.group(), r.sequence());
                assertThat(seen.add(key)).as("%s received %d/%d twice", v.name(), r.group(), r.sequence()).isTrue();
                Long sentAt = publishedAtNanos.get(key);
                assertThat(sentAt).as("%s received %d/%d, never published", v.name(), r.group(), r.sequence())
                        .isNotNull();
                latencies.add((r.arrivalNanos() - sentAt) / 1_000_000);
                assertThat(r.payload()).hasSize(OBJECT_BYTES);
            }
            assertThat(received).as("%s: objects received", v.name()).hasSize(total);
            List<RecordingSubscriber.GroupEnd> ends = v.recorder().ends();
            assertThat(ends).as("%s: group ends", v.name()).hasSize(total / OBJECTS_PER_GROUP)
                    .allSatisfy(e -> assertThat(e.code()).as("%s: end of group %d", v.name(), e.group())
                            .isEqualTo(ErrorCode.NO_ERROR));
            assertThat(v.session().isOpen()).as("%s still connected", v.name()).isTrue();
        }
        latencies.sort(null);
        long worst = latencies.getLast();
        long p99 = latencies.get((int) Math.min(latencies.size() - 1, Math.ceil(latencies.size() * 0.99)));
        Report report = new Report(viewers.size(), total, latencies.size(), worst, p99);
        assertThat(worst).as("worst latency of an honest viewer (ms); %s", report)
                .isLessThanOrEqualTo(maxLatency.toMillis());
        return report;
    }

    private String counts() {
        StringBuilder b = new StringBuilder("published " + published + ":");
        for (Viewer v : viewers) {
            b.append(' ').append(v.name()).append('=').append(v.recorder().count());
            Map<Long, Integer> perGroup = new java.util.TreeMap<>();
            for (RecordingSubscriber.Received r : v.recorder().objects()) {
                perGroup.merge(r.group(), 1, Integer::sum);
            }
            for (long g = 0; g < (published + OBJECTS_PER_GROUP - 1) / OBJECTS_PER_GROUP; g++) {
                int n = perGroup.getOrDefault(g, 0);
                if (n != OBJECTS_PER_GROUP) {
                    b.append(" [group ").append(g).append(": ").append(n).append(']');
                }
            }
            b.append(" ends ").append(v.recorder().ends().stream().filter(e -> e.code() != ErrorCode.NO_ERROR)
                    .toList());
        }
        edge.metrics().registry().find("treecast.relay.groups.reset").counters()
                .forEach(c -> b.append(" reset ").append(c.getId().getTag("reason")).append('=').append(c.count()));
        return b.toString();
    }

    private static long key(long group, long object) {
        return group * 1_000_000L + object;
    }

    @Override
    public void close() {
        if (source != null) {
            source.shutdownNow();
        }
        for (Viewer v : viewers) {
            v.session().close(ErrorCode.NO_ERROR, "test over");
        }
        quicEndpoint.close();
        webTransportEndpoint.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
