package dev.treecast.loadtest.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;

/**
 * Relay forwarding throughput against a direct QUIC connection, in one run so the ratios hold on a noisy machine:
 * <ol>
 * <li>baseline: the root's publisher → one subscriber, one QUIC connection;</li>
 * <li>the same bytes through one relay to one subscriber;</li>
 * <li>through one relay to ten subscribers.</li>
 * </ol>
 * The publisher keeps a fixed window of bytes in flight (published minus received by the slowest subscriber), so
 * every scenario runs at what its pipeline can carry with nothing dropped; each runs with a small and a large
 * window and keeps its best, since a short pipeline saturates with less in flight than a long one. Prints Mbit/s, the ratios, and the
 * relay thread's CPU seconds per Gbit delivered.
 */
public final class ThroughputBenchmark {
    private static final TrackName TRACK = new TrackName("bench", "data");
    private static final int OBJECT_BYTES = 64 * 1024;
    private static final int OBJECTS_PER_GROUP = 32;
    /** Bytes in flight the publisher allows; each scenario runs with each and keeps its best. */
    private static final long[] WINDOWS = {8L << 20, 32L << 20};

    private final Duration warmup;
    private final Duration measure;
    private final PrintStream out;

    public ThroughputBenchmark(Duration warmup, Duration measure, PrintStream out) {
        this.warmup = warmup;
        this.measure = measure;
        this.out = out;
    }

    /** One scenario's figures. */
    public record Result(String name, int subscribers, long window, double deliveredMbps, double perSubscriberMbps,
                         double relayCpuSecondsPerGbit, double rootCpuSecondsPerGbit,
                         double subscriberCpuSecondsPerGbit, long lost) {
    }

    public List<Result> run() throws Exception {
        out.printf("treecast relay throughput: %d KiB objects, windows %s MiB, warm-up %ds, measure %ds, %d cores,"
                        + " transport %s%n", OBJECT_BYTES / 1024,
                java.util.Arrays.stream(WINDOWS).mapToObj(w -> String.valueOf(w >> 20)).toList(), warmup.toSeconds(),
                measure.toSeconds(), Runtime.getRuntime().availableProcessors(), Transports.describe());
        List<Result> best = new ArrayList<>();
        best.add(best("direct (baseline)", false, 1));
        best.add(best("via 1 relay, 1 subscriber", true, 1));
        best.add(best("via 1 relay, 10 subscribers", true, 10));
        Result base = best.get(0);
        out.println();
        out.println("best window of each scenario; ratio = delivered Mbit/s / baseline; CPU in thread seconds per"
                + " Gbit each thread handled");
        out.printf("%-30s %6s %8s %9s %6s %10s %10s %10s %5s%n", "scenario", "window", "Mbit/s", "per sub",
                "ratio", "relay CPU", "root CPU", "sub CPU", "lost");
        for (Result r : best) {
            out.printf("%-30s %4dMi %8.0f %9.0f %6.2f %10s %10.2f %10.2f %5d%n", r.name(), r.window() >> 20,
                    r.deliveredMbps(), r.perSubscriberMbps(), r.deliveredMbps() / base.deliveredMbps(),
                    Double.isNaN(r.relayCpuSecondsPerGbit()) ? "-" : String.format("%.2f", r.relayCpuSecondsPerGbit()),
                    r.rootCpuSecondsPerGbit(), r.subscriberCpuSecondsPerGbit(), r.lost());
        }
        Result oneHop = best.get(1);
        double direct = base.rootCpuSecondsPerGbit() + base.subscriberCpuSecondsPerGbit();
        out.printf("%nA relay receives and sends every byte: it costs %.2f s/Gbit, against %.2f s/Gbit for the"
                        + " direct connection's sender + receiver together (efficiency %.2f).%n",
                oneHop.relayCpuSecondsPerGbit(), direct, direct / oneHop.relayCpuSecondsPerGbit());
        out.printf("With every thread on the same %d cores, the relay path carries %.2f of the baseline;"
                        + " with 10 subscribers the relay sends %.2f times the baseline.%n",
                Runtime.getRuntime().availableProcessors(), oneHop.deliveredMbps() / base.deliveredMbps(),
                best.get(2).deliveredMbps() / base.deliveredMbps());
        return best;
    }

    private Result best(String name, boolean viaRelay, int subscribers) throws Exception {
        Result best = null;
        for (long window : WINDOWS) {
            Result r = scenario(name, viaRelay, subscribers, window);
            if (best == null || r.deliveredMbps() > best.deliveredMbps()) {
                best = r;
            }
        }
        return best;
    }

    private Result scenario(String name, boolean viaRelay, int subscribers, long window) throws Exception {
        Duration budget = Duration.ofSeconds(60);
        Relay root = new Relay(RelayConfig.builder().nodeId("bench-root").budgets(budget, budget)
                .cache(512L << 20, Duration.ofSeconds(60)).build()).start();
        Relay relay = null;
        EventLoopGroup clientLoop = Transports.newGroup(1, "bench-subscriber");
        List<Counter> counters = new ArrayList<>();
        try {
            root.origin().declare(TRACK);
            InetSocketAddress target = root.quicAddress();
            if (viaRelay) {
                relay = new Relay(RelayConfig.builder().nodeId("bench-relay").parent(root.quicAddress())
                        .budgets(budget, budget).cache(512L << 20, Duration.ofSeconds(60)).build()).start();
                target = relay.quicAddress();
            }
            QuicClientEndpoint endpoint = QuicClientEndpoint.bind(clientLoop.next(), QuicSettings.DEFAULT,
                    Alpn.TREECAST_1);
            for (int i = 0; i < subscribers; i++) {
                ClientSession session = ClientSession.connect(endpoint, target,
                        ClientSession.Options.viewer("bench-" + i), new ClientSession.Listener() {
                        }).get(10, TimeUnit.SECONDS);
                Counter counter = new Counter();
                session.subscribe(TRACK, StartPosition.LATEST, 0, counter);
                counters.add(counter);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!counters.stream().allMatch(c -> c.subscribed)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("subscriptions not accepted within 10 s");
                }
                LockSupport.parkNanos(1_000_000);
            }
            Pump pump = new Pump(root, counters, window);
            Thread publisher = new Thread(pump, "bench-publisher");
            publisher.start();
            LockSupport.parkNanos(warmup.toNanos());
            long relayThread = relay == null ? -1 : threadId(relay.nodeId());
            long rootThread = threadId(root.nodeId());
            long subscriberThread = threadId("bench-subscriber");
            long relayCpu0 = cpu(relayThread);
            long rootCpu0 = cpu(rootThread);
            long subscriberCpu0 = cpu(subscriberThread);
            long bytes0 = counters.stream().mapToLong(c -> c.bytes.get()).sum();
            long t0 = System.nanoTime();
            LockSupport.parkNanos(measure.toNanos());
            long t1 = System.nanoTime();
            long bytes1 = counters.stream().mapToLong(c -> c.bytes.get()).sum();
            long relayCpu = cpu(relayThread) - relayCpu0;
            long rootCpu = cpu(rootThread) - rootCpu0;
            long subscriberCpu = cpu(subscriberThread) - subscriberCpu0;
            pump.stop = true;
            publisher.join();
            double seconds = (t1 - t0) / 1e9;
            double mbps = (bytes1 - bytes0) * 8 / seconds / 1e6;
            double gbits = (bytes1 - bytes0) * 8 / 1e9;
            // The root sends what one subscriber gets (it sends once per connection below it).
            double rootGbits = viaRelay ? gbits / subscribers : gbits;
            double cpuPerGbit = relayThread < 0 ? Double.NaN : relayCpu / 1e9 / gbits;
            long lost = counters.stream().mapToLong(c -> c.resets.get()).sum();
            out.printf("  %-30s window %2d MiB: %6.0f Mbit/s delivered, groups reset at root %d, at relay %d%n", name,
                    window >> 20, mbps, root.metrics().groupsReset(), relay == null ? 0 : relay.metrics().groupsReset());
            return new Result(name, subscribers, window, mbps, mbps / subscribers, cpuPerGbit,
                    rootCpu / 1e9 / rootGbits, subscriberCpu / 1e9 / gbits, lost);
        } finally {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            if (relay != null) {
                relay.close();
            }
            root.close();
        }
    }

    private static long cpu(long threadId) {
        if (threadId < 0) {
            return 0;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.getThreadCpuTime(threadId);
    }

    private static long threadId(String prefix) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix + "-")) {
                return t.threadId();
            }
        }
        throw new IllegalStateException("no thread named " + prefix + "-*");
    }

    /** Publishes as fast as the slowest subscriber allows, keeping a fixed window of bytes in flight. */
    private static final class Pump implements Runnable {
        private final Relay root;
        private final List<Counter> counters;
        private final long window;
        volatile boolean stop;

        Pump(Relay root, List<Counter> counters, long window) {
            this.root = root;
            this.counters = counters;
            this.window = window;
        }

        @Override
        public void run() {
            ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(OBJECT_BYTES);
            payload.writeZero(OBJECT_BYTES);
            long published = 0;
            long sequence = 0;
            try {
                while (!stop) {
                    long slowest = Long.MAX_VALUE;
                    for (Counter c : counters) {
                        slowest = Math.min(slowest, c.bytes.get());
                    }
                    if (published - slowest > window) {
                        LockSupport.parkNanos(50_000);
                        continue;
                    }
                    long group = sequence / OBJECTS_PER_GROUP;
                    long object = sequence % OBJECTS_PER_GROUP;
                    ObjectFrame frame = ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, object,
                            System.currentTimeMillis() * 1000, null, payload);
                    root.origin().publish(TRACK, group, frame);
                    if (object == OBJECTS_PER_GROUP - 1) {
                        root.origin().endGroup(TRACK, group);
                    }
                    published += OBJECT_BYTES;
                    sequence++;
                }
            } finally {
                payload.release();
            }
        }
    }

    /** Counts payload bytes received. */
    private static final class Counter implements ClientSession.SubscriptionListener {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        volatile boolean subscribed;

        @Override
        public void onSubscribed(OptionalLong latestGroup) {
            subscribed = true;
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
            throw new IllegalStateException("subscription refused: " + code + " " + reason);
        }

        @Override
        public void onObject(long group, ObjectFrame object) {
            bytes.addAndGet(object.payloadLength());
            object.release();
        }

        @Override
        public void onGroupEnd(long group, ErrorCode code) {
            if (code != ErrorCode.NO_ERROR) {
                resets.incrementAndGet();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        new ThroughputBenchmark(Duration.ofSeconds(3), Duration.ofSeconds(seconds), System.out).run();
    }
}
