package dev.treecast.loadtest.bench;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import dev.treecast.loadtest.engine.LocalCluster;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;

/**
 * The latency each relay level adds: an ingest publishing a synthetic stream and a three-level chain of relays
 * built by the tree controller (ingest → level 1 → level 2 → level 3), with one observer subscribed at each of the
 * four points, all on ONE event loop so that their arrival times come from the same thread and clock. For every
 * object that reached all four, the time between its arrival at level k−1 and at level k is what hop k added;
 * prints p50/p99/max per hop, and ingest timestamp → arrival at each level. Optional extra viewers on the last
 * relay (on a thread of their own) add load to the last hop.
 */
public final class HopLatencyBenchmark {
    private static final String BROADCAST = "hops";

    private final Duration measure;
    private final int loadViewers;
    private final long bitsPerSecond;
    private final PrintStream out;

    public HopLatencyBenchmark(Duration measure, int loadViewers, long bitsPerSecond, PrintStream out) {
        this.measure = measure;
        this.loadViewers = loadViewers;
        this.bitsPerSecond = bitsPerSecond;
        this.out = out;
    }

    public void run() throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "hop-observers");
        // Load viewers on their own thread, so that receiving their streams does not delay the observers.
        EventLoopGroup loadGroup = Transports.newGroup(1, "hop-load");
        EventLoop loop = group.next();
        List<ClientSession> sessions = new ArrayList<>();
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(List.of(1, 1, 1), BROADCAST,
                bitsPerSecond, "127.0.0.1", null, 0, 0, 100_000), 1);
             QuicClientEndpoint endpoint = QuicClientEndpoint.bind(loop, new InetSocketAddress("127.0.0.1", 0),
                     QuicSettings.DEFAULT, Alpn.TREECAST_1);
             QuicClientEndpoint loadEndpoint = QuicClientEndpoint.bind(loadGroup.next(),
                     new InetSocketAddress("127.0.0.1", 0), QuicSettings.DEFAULT, Alpn.TREECAST_1)) {
            List<LocalCluster.Member> chain = cluster.members().stream()
                    .sorted((a, b) -> Integer.compare(a.level(), b.level())).toList();
            List<InetSocketAddress> points = new ArrayList<>();
            points.add(cluster.ingest().quicAddress());
            StringBuilder path = new StringBuilder("ingest");
            for (LocalCluster.Member m : chain) {
                points.add(m.relay().quicAddress());
                path.append(" -> ").append(m.nodeId()).append(" (under ").append(m.relay().parentId()).append(')');
            }
            out.printf(Locale.ROOT, "hop latency: %s; %.1f Mbit/s synthetic, 30 objects/s; %d load viewers on the"
                    + " last relay; %d s measured%n", path, bitsPerSecond / 1e6, loadViewers, measure.toSeconds());
            Recorder recorder = new Recorder(points.size());
            for (int level = 0; level < points.size(); level++) {
                sessions.add(observe(endpoint, points.get(level), level, recorder));
            }
            InetSocketAddress last = points.get(points.size() - 1);
            for (int i = 0; i < loadViewers; i++) {
                ClientSession s = ClientSession.connect(loadEndpoint, last,
                        SubscriberSession.Options.viewer("load-" + i),
                        new SubscriberSession.Listener<>() {
                        }).get(10, TimeUnit.SECONDS);
                s.subscribe(new TrackName(BROADCAST, "video"), StartPosition.LATEST, 1, new Discard());
                sessions.add(s);
            }
            LockSupport.parkNanos(Duration.ofSeconds(3).toNanos()); // warm-up
            loop.submit(recorder::reset).get(5, TimeUnit.SECONDS);
            LockSupport.parkNanos(measure.toNanos());
            Histogram[] hops = loop.submit(recorder::hops).get(10, TimeUnit.SECONDS);
            Histogram[] fromIngest = loop.submit(recorder::fromIngest).get(10, TimeUnit.SECONDS);
            out.println();
            out.printf("%-28s %8s %9s %9s %9s%n", "", "objects", "p50 ms", "p99 ms", "max ms");
            for (int k = 1; k < points.size(); k++) {
                line("hop " + k + " (level " + (k - 1) + " -> " + k + ")", hops[k]);
            }
            for (int k = 0; k < points.size(); k++) {
                line("ingest stamp -> level " + k, fromIngest[k]);
            }
        } finally {
            for (ClientSession s : sessions) {
                s.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            loadGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void line(String label, Histogram h) {
        out.printf(Locale.ROOT, "%-28s %8d %9.2f %9.2f %9.2f%n", label, h.getTotalCount(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }

    private static ClientSession observe(QuicClientEndpoint endpoint, InetSocketAddress at, int level,
                                         Recorder recorder) throws Exception {
        ClientSession s = ClientSession.connect(endpoint, at, SubscriberSession.Options.viewer("observer-" + level),
                new SubscriberSession.Listener<>() {
                }).get(10, TimeUnit.SECONDS);
        s.subscribe(new TrackName(BROADCAST, "video"), StartPosition.LATEST, 1, new Discard() {
            @Override
            public void onObject(long group, ObjectFrame object) {
                try {
                    recorder.arrived(level, group, object.sequence(), object.timestampMicros());
                } finally {
                    object.release();
                }
            }
        });
        return s;
    }

    /** Arrival times per object and level; on the observers' loop only. */
    private static final class Recorder {
        private final int levels;
        private final Map<Long, long[]> arrivals = new HashMap<>();
        private final Map<Long, Long> stamps = new HashMap<>();
        private boolean recording;

        Recorder(int levels) {
            this.levels = levels;
        }

        void arrived(int level, long group, long sequence, long stampMicros) {
            if (!recording) {
                return;
            }
            long key = group * 1_000 + sequence;
            arrivals.computeIfAbsent(key, k -> new long[levels])[level] = System.nanoTime();
            stamps.put(key, stampMicros);
        }

        void reset() {
            arrivals.clear();
            stamps.clear();
            recording = true;
        }

        Histogram[] hops() {
            Histogram[] h = histograms();
            for (long[] a : arrivals.values()) {
                if (complete(a)) {
                    for (int k = 1; k < levels; k++) {
                        h[k].recordValue(Math.max(0, (a[k] - a[k - 1]) / 1000));
                    }
                }
            }
            return h;
        }

        Histogram[] fromIngest() {
            Histogram[] h = histograms();
            long offset = System.currentTimeMillis() * 1000 - System.nanoTime() / 1000;
            for (Map.Entry<Long, long[]> e : arrivals.entrySet()) {
                long[] a = e.getValue();
                if (complete(a)) {
                    for (int k = 0; k < levels; k++) {
                        h[k].recordValue(Math.max(0, a[k] / 1000 + offset - stamps.get(e.getKey())));
                    }
                }
            }
            return h;
        }

        private boolean complete(long[] a) {
            for (long t : a) {
                if (t == 0) {
                    return false;
                }
            }
            return true;
        }

        private Histogram[] histograms() {
            Histogram[] h = new Histogram[levels];
            for (int k = 0; k < levels; k++) {
                h[k] = new Histogram(60_000_000L, 3);
            }
            return h;
        }
    }

    /** A subscription whose objects are dropped at once. */
    private static class Discard implements SubscriberSession.SubscriptionListener {
        @Override
        public void onSubscribed(OptionalLong latestGroup) {
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
        }

        @Override
        public void onObject(long group, ObjectFrame object) {
            object.release();
        }

        @Override
        public void onGroupEnd(long group, ErrorCode code) {
        }
    }
}
