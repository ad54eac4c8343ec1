package dev.treecast.loadtest.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.loadtest.viewer.LoadViewer;
import dev.treecast.loadtest.viewer.ViewerStats;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;

/**
 * What one edge relay costs per viewer, WebTransport against raw {@code treecast/1} QUIC, in one run so the ratios
 * hold on a noisy machine. For each viewer count and each transport (a "cell") it builds a fresh tree: an
 * {@link Ingest} replaying the built-in demo clip (H.264 + AAC, ~0.82 Mbit/s, one object per track every 200 ms,
 * a group a second, stamped with the ingest's wall clock), one relay under it with a {@link Gateway}, and N viewers
 * in this process ({@link LoadViewer}s on a few event loops, one UDP socket each) subscribed to video and audio at
 * the newest group, over {@link ClientSession} or {@link WebTransportSession}. It measures, over a fixed window after
 * a warm-up:
 * <ul>
 * <li>delivered Mbit/s (payload, summed over viewers) and objects delivered against what a reference subscriber
 * directly on the ingest received x N, counting the objects stamped within the window however late they
 * arrive;</li>
 * <li>the relay event-loop thread's CPU share (thread CPU time / wall time; the gateway runs on that thread too),
 * and the viewers' own, which competes with it for the same cores;</li>
 * <li>heap per viewer: used heap after GC with N viewers connected, minus with one, over N - 1 (both sides of
 * each session live in this heap; native QUIC state and pooled direct buffers are not in it);</li>
 * <li>the share of objects that arrived within the on-time bound of their ingest timestamp, and p50/p99/max.</li>
 * </ul>
 * Everything is torn down between cells. Prints a table with both transports side by side.
 */
public final class EdgeBenchmark {
    /** How viewers reach the edge. */
    public enum Transport {
        QUIC("QUIC"), WEBTRANSPORT("WebTransport");

        private final String label;

        Transport(String label) {
            this.label = label;
        }

        /** The same transport as the load tester names it. */
        public dev.treecast.loadtest.model.ViewerTransport viewerTransport() {
            return dev.treecast.loadtest.model.ViewerTransport.valueOf(name());
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param viewers     viewer counts, one row of cells each
     * @param transports  transports measured at each count, in this order
     * @param warmup      after every viewer is subscribed, before anything is measured
     * @param measure     the measured window of each cell
     * @param viewerLoops event loops (threads, one UDP socket each) the viewers share
     * @param onTime      an object is on time if it arrives within this of its ingest timestamp
     */
    public record Settings(List<Integer> viewers, List<Transport> transports, Duration warmup, Duration measure,
                           int viewerLoops, Duration onTime) {
        public Settings {
            viewers = List.copyOf(viewers);
            transports = List.copyOf(transports);
            if (viewers.isEmpty() || viewers.stream().anyMatch(n -> n < 2)) {
                throw new IllegalArgumentException("viewer counts must be at least 2: " + viewers);
            }
            if (transports.isEmpty()) {
                throw new IllegalArgumentException("give at least one transport");
            }
            if (warmup.isNegative() || measure.isNegative() || measure.isZero()) {
                throw new IllegalArgumentException("warm-up must be >= 0 and the measure > 0: " + warmup + ", "
                        + measure);
            }
            if (viewerLoops < 1) {
                throw new IllegalArgumentException("viewer loops must be at least 1: " + viewerLoops);
            }
        }

        /** 100, 500, 1000 viewers; both transports; 10 s warm-up, 15 s measured; 2 viewer loops; 200 ms. */
        public static Settings defaults() {
            return new Settings(List.of(100, 500, 1000), List.of(Transport.QUIC, Transport.WEBTRANSPORT),
                    Duration.ofSeconds(10), Duration.ofSeconds(15), 2, Duration.ofMillis(200));
        }
    }

    /** One cell's figures; CPU shares are of one core (1.0 = a core busy for the whole window). */
    public record Cell(int viewers, Transport transport, int connected, long sessionsLost, double deliveredMbps,
                       long objects, long expectedObjects, double onTimeShare, double p50Millis, double p99Millis,
                       double maxMillis, long groupsReset, long lostObjects, long relayGroupsReset, double relayCpu,
                       double viewerCpu, double processCpu, double machineCpu, double heapPerViewerBytes,
                       long parentReconnects) {
        double deliveredShare() {
            return expectedObjects == 0 ? Double.NaN : (double) objects / expectedObjects;
        }

        /** CPU the rest of the machine used meanwhile (other processes, and kernel work nobody is billed for). */
        double otherCpu() {
            return Double.isNaN(machineCpu) ? Double.NaN : Math.max(0, machineCpu - processCpu);
        }
    }

    /** A cell is marked when something else used more than this share of a core during its window. */
    private static final double DISTURBED = 0.25;

    private static final String BROADCAST = "bench";
    private static final List<String> TRACKS = List.of("video", "audio");
    private static final String EDGE = "bench-edge";
    private static final String VIEWER_THREADS = "bench-viewers";
    /** Handshakes in flight at once while viewers join (the relay signs each on its one thread). */
    private static final int CONNECTS_IN_FLIGHT = 64;
    private static final Duration JOIN_DEADLINE = Duration.ofSeconds(90);
    /** After the GC that measures the baseline heap, before viewers join. */
    private static final Duration SETTLE = Duration.ofSeconds(1);
    /** The relay's count of sessions established to its parent (RelayMetrics). */
    private static final String PARENT_CONNECTS = "treecast.relay.parent.connects";
    /** How long a (possibly saturated) viewer loop may take to run a task for us. */
    private static final Duration LOOP_ANSWER = Duration.ofSeconds(30);
    /** How long after the window objects stamped in it may still arrive (the viewers' latency budget is 1.5 s). */
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final Settings settings;
    private final PrintStream out;

    public EdgeBenchmark(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public List<Cell> run() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf("treecast edge benchmark: demo clip from an ingest -> 1 relay + WebTransport gateway -> N viewers"
                        + " (video + audio at the newest group)%n");
        out.printf("machine: %d cores, transport %s, Java %s; the viewers run in this process on %d event loop%s"
                        + " and compete with the relay for the cores%n", cores, Transports.describe(),
                Runtime.version(), settings.viewerLoops(), settings.viewerLoops() == 1 ? "" : "s");
        out.printf("per cell: fresh tree, caches primed, viewers join, warm-up %d s, measure %d s, then torn down;"
                        + " on time = within %d ms of the ingest timestamp%n%n", settings.warmup().toSeconds(),
                settings.measure().toSeconds(), settings.onTime().toMillis());
        List<Cell> cells = new ArrayList<>();
        for (int n : settings.viewers()) {
            for (Transport transport : settings.transports()) {
                try {
                    cells.add(cell(n, transport));
                } catch (Exception e) {
                    // A cell that could not be measured (e.g. a loop too saturated to answer) is shown as "-".
                    out.printf("%s %d viewers: not measured: %s%n", transport.label(), n, e);
                }
            }
        }
        printTable(cells, cores);
        return cells;
    }

    private Cell cell(int n, Transport transport) throws Exception {
        String name = String.format(Locale.ROOT, "%-12s %5d viewers:", transport.label(), n);
        out.printf("%s starting (threads alive %d)%n", name, Thread.activeCount());
        List<AutoCloseable> running = new ArrayList<>();
        List<LoadViewer> viewers = new ArrayList<>();
        EventLoopGroup viewerGroup = null;
        try {
            Ingest ingest = new Ingest(IngestConfig.loopback()).start();
            running.add(0, ingest);
            ingest.playDemoClip(BROADCAST);
            // With the ingest's key, as a deployed edge has it: it verifies every object, as by default.
            Relay edge = new Relay(RelayConfig.builder().nodeId(EDGE).parent(ingest.quicAddress())
                    .broadcastKey(ingest.publicKey()).build()).start();
            running.add(0, edge);
            Gateway gateway = new Gateway(edge, GatewayConfig.builder().maxSessions(Math.max(n, 10_000)).build())
                    .start();
            running.add(0, gateway);

            EventLoopGroup group = Transports.newGroup(settings.viewerLoops(), VIEWER_THREADS);
            viewerGroup = group;
            List<EventLoop> loops = new ArrayList<>();
            List<QuicClientEndpoint> endpoints = new ArrayList<>();
            List<ViewerStats> stats = new ArrayList<>();
            for (int i = 0; i < settings.viewerLoops(); i++) {
                EventLoop loop = group.next();
                QuicClientEndpoint endpoint = switch (transport) {
                    case QUIC -> QuicClientEndpoint.bind(loop, new InetSocketAddress("127.0.0.1", 0),
                            QuicSettings.DEFAULT, Alpn.TREECAST_1).connectTimeout(WebTransportSession.SETUP_TIMEOUT);
                    case WEBTRANSPORT -> WebTransportSession.bindEndpoint(loop, new InetSocketAddress("127.0.0.1", 0));
                };
                running.add(0, endpoint);
                loops.add(loop);
                endpoints.add(endpoint);
                stats.add(new ViewerStats(settings.onTime()));
            }
            Dialer dialer = new Dialer(transport, edge.quicAddress(), URI.create(gateway.webTransportUrl(BROADCAST)));

            // What was published: a subscriber on the (idle) ingest itself, over raw QUIC, counts the objects stamped
            // in the window exactly as the viewers do.
            QuicClientEndpoint referenceEndpoint = QuicClientEndpoint.bind(loops.get(0),
                    new InetSocketAddress("127.0.0.1", 0), QuicSettings.DEFAULT, Alpn.TREECAST_1);
            running.add(0, referenceEndpoint);
            ViewerStats referenceStats = new ViewerStats(settings.onTime());
            LoadViewer reference = new LoadViewer(BROADCAST, TRACKS, referenceStats);
            running.add(0, reference::close);
            new Dialer(Transport.QUIC, ingest.quicAddress(), null).dial(referenceEndpoint, "reference", reference,
                    new Semaphore(1), new AtomicInteger());

            // One viewer first: the relay subscribes upstream and both caches fill to their steady size, so the
            // heap measured next holds everything but the per-viewer state.
            LoadViewer first = new LoadViewer(BROADCAST, TRACKS, stats.get(0));
            viewers.add(first);
            AtomicInteger failed = new AtomicInteger();
            Semaphore inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
            dialer.dial(endpoints.get(0), "viewer-0", first, inFlight, failed);
            awaitSubscribed(List.of(first, reference), failed, Duration.ofSeconds(15));
            Duration prime = edge.config().cacheDuration().plusSeconds(1);
            LockSupport.parkNanos(prime.toNanos());
            // The baseline. A full GC stops every thread; a relay whose parent link is watched by heartbeats may
            // take that for a dead parent and repair, so let it be connected again before anyone else joins.
            long heapBefore = usedHeapAfterGc();
            awaitParent(edge, Duration.ofSeconds(15));
            LockSupport.parkNanos(SETTLE.toNanos());
            double parentConnects0 = parentConnects(edge);

            long joinStart = System.nanoTime();
            for (int i = 1; i < n; i++) {
                int l = i % loops.size();
                LoadViewer viewer = new LoadViewer(BROADCAST, TRACKS, stats.get(l));
                viewers.add(viewer);
                dialer.dial(endpoints.get(l), "viewer-" + i, viewer, inFlight, failed);
            }
            int connected = awaitSubscribed(viewers, failed, JOIN_DEADLINE);
            out.printf("%s %d/%d joined in %.1f s%s; warming up %d s%n", name, connected, n,
                    (System.nanoTime() - joinStart) / 1e9, failed.get() > 0 ? " (" + failed.get() + " failed)" : "",
                    settings.warmup().toSeconds());

            LockSupport.parkNanos(settings.warmup().toNanos());

            // The window: objects the ingest stamps from a moment ahead (so that every loop knows the window before
            // any of its objects arrives) until the measure is over; CPU over the same wall-clock interval.
            long relayThread = threadId(Pattern.quote(EDGE) + "-\\d+-\\d+");
            List<Long> viewerThreads = threadIds(Pattern.quote(VIEWER_THREADS) + "-\\d+-\\d+");
            long startMicros = LoadViewer.nowMicros() + 500_000;
            long endMicros = startMicros + settings.measure().toNanos() / 1000;
            for (int i = 0; i < loops.size(); i++) {
                ViewerStats s = stats.get(i);
                onLoop(loops.get(i), () -> s.window(startMicros, endMicros));
            }
            onLoop(loops.get(0), () -> referenceStats.window(startMicros, endMicros));
            sleepUntil(startMicros);
            long relayCpu0 = cpu(relayThread);
            long viewerCpu0 = cpu(viewerThreads);
            long processCpu0 = processCpu();
            long[] machine0 = machineJiffies();
            long edgeResets0 = edge.metrics().groupsReset();
            long t0 = System.nanoTime();
            sleepUntil(endMicros);
            long wall = System.nanoTime() - t0;
            long relayCpu = cpu(relayThread) - relayCpu0;
            long viewerCpu = cpu(viewerThreads) - viewerCpu0;
            long processCpu = processCpu() - processCpu0;
            long[] machine1 = machineJiffies();
            // Objects of the window still on their way: past the viewers' latency budget the relay would have
            // dropped them.
            LockSupport.parkNanos(GRACE.toNanos());
            long edgeResets = edge.metrics().groupsReset() - edgeResets0;
            double parentReconnects = parentConnects(edge) - parentConnects0;
            List<ViewerStats.Snapshot> snapshots = new ArrayList<>();
            for (int i = 0; i < loops.size(); i++) {
                snapshots.add(onLoop(loops.get(i), stats.get(i)::snapshot));
            }
            long published = onLoop(loops.get(0), referenceStats::snapshot).objects();
            // With every viewer still connected; after the window, so that its pause is not in it.
            long heapAfter = usedHeapAfterGc();

            Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
            long objects = 0;
            long bytes = 0;
            long onTime = 0;
            long lost = 0;
            long resets = 0;
            long closed = 0;
            for (ViewerStats.Snapshot s : snapshots) {
                latency.add(s.latencyMicros());
                objects += s.objects();
                bytes += s.bytes();
                onTime += s.onTime();
                lost += s.lost();
                resets += s.groupsReset();
                closed += s.sessionsClosed();
            }
            double seconds = settings.measure().toNanos() / 1e9;
            double machineCpu = machine0 == null || machine1 == null || machine1[1] == machine0[1] ? Double.NaN
                    : (double) (machine1[0] - machine0[0]) / (machine1[1] - machine0[1])
                    * Runtime.getRuntime().availableProcessors();
            Cell cell = new Cell(n, transport, connected, closed, bytes * 8 / seconds / 1e6, objects,
                    published * connected, objects == 0 ? Double.NaN : (double) onTime / objects,
                    millis(latency, 50), millis(latency, 99), latency.getTotalCount() == 0 ? Double.NaN
                    : latency.getMaxValue() / 1000.0, resets, lost, edgeResets, relayCpu / (double) wall,
                    viewerCpu / (double) wall, processCpu / (double) wall, machineCpu,
                    (heapAfter - heapBefore) / (double) (n - 1),
                    Double.isNaN(parentReconnects) ? -1 : Math.round(parentReconnects));
            out.printf("%s %.1f Mbit/s, %.1f%% on time, p99 %.0f ms, relay CPU %.0f%%, heap %.1f KiB/viewer,"
                            + " others on the machine %.0f%% CPU%s%n", name, cell.deliveredMbps(),
                    100 * cell.onTimeShare(), cell.p99Millis(), 100 * cell.relayCpu(),
                    cell.heapPerViewerBytes() / 1024, 100 * cell.otherCpu(),
                    cell.parentReconnects() > 0 ? "; the relay re-connected to its parent "
                            + cell.parentReconnects() + " time(s)" : "");
            return cell;
        } finally {
            tearDown(viewers, running, viewerGroup);
        }
    }

    /** Starts one viewer's session; at most {@link #CONNECTS_IN_FLIGHT} handshakes run at once. */
    private record Dialer(Transport transport, InetSocketAddress quic, URI webTransport) {
        void dial(QuicClientEndpoint endpoint, String name, LoadViewer viewer, Semaphore inFlight,
                  AtomicInteger failed) throws InterruptedException {
            inFlight.acquire();
            SubscriberSession.Options options = SubscriberSession.Options.viewer(name);
            switch (transport) {
                case QUIC -> ClientSession.connect(endpoint, quic, options, viewer)
                        .addListener((Future<ClientSession> f) -> joined(f, viewer, inFlight, failed));
                case WEBTRANSPORT -> WebTransportSession.connect(endpoint, webTransport, options, viewer)
                        .addListener((Future<WebTransportSession> f) -> joined(f, viewer, inFlight, failed));
            }
        }

        private static void joined(Future<? extends SubscriberSession> f, LoadViewer viewer, Semaphore inFlight,
                                   AtomicInteger failed) {
            inFlight.release();
            if (f.isSuccess()) {
                viewer.start(f.getNow());
            } else {
                failed.incrementAndGet();
            }
        }
    }

    /** Waits until every viewer is subscribed to every track, or the deadline; returns how many are. */
    private static int awaitSubscribed(List<LoadViewer> viewers, AtomicInteger failed, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        int subscribed = 0;
        while (System.nanoTime() - end < 0) {
            subscribed = (int) viewers.stream().filter(LoadViewer::isSubscribed).count();
            if (subscribed + failed.get() >= viewers.size()) {
                break;
            }
            LockSupport.parkNanos(20_000_000);
        }
        return (int) viewers.stream().filter(LoadViewer::isSubscribed).count();
    }

    private void tearDown(List<LoadViewer> viewers, List<AutoCloseable> running, EventLoopGroup viewerGroup) {
        viewers.forEach(LoadViewer::close);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (LoadViewer v : viewers) {
            SubscriberSession s = v.session();
            long left = deadline - System.nanoTime();
            if (s != null && left > 0) {
                s.closeFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS);
            }
        }
        for (AutoCloseable c : running) {
            try {
                c.close();
            } catch (Exception e) {
                out.println("  teardown: " + c + " did not close cleanly: " + e);
            }
        }
        if (viewerGroup != null) {
            viewerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    // ------------------------------------------------------------------------------------------ the table

    private void printTable(List<Cell> cells, int cores) {
        List<Transport> ts = settings.transports();
        boolean ratio = ts.contains(Transport.QUIC) && ts.contains(Transport.WEBTRANSPORT);
        out.println();
        out.printf("%d cores; CPU in %% of one core over the window, out of %d%%: the relay's one event-loop thread"
                + " (it runs the gateway too), the viewers' %d loop%s, this whole process, and everything else on the"
                + " machine%n", cores, 100 * cores, settings.viewerLoops(), settings.viewerLoops() == 1 ? "" : "s");
        StringBuilder header = new StringBuilder(String.format("%7s  %-28s", "viewers", "metric"));
        for (Transport t : ts) {
            header.append(String.format(" %13s", t.label()));
        }
        if (ratio) {
            header.append(String.format(" %8s", "WT/QUIC"));
        }
        out.println(header);
        out.println("-".repeat(header.length()));
        for (int n : settings.viewers()) {
            List<Cell> row = ts.stream().map(t -> find(cells, n, t)).toList();
            line(n, "viewers joined", row, c -> c.connected() + "/" + c.viewers(), null, ratio);
            line(-1, "delivered Mbit/s", row, c -> fmt("%.1f", c.deliveredMbps()), Cell::deliveredMbps, ratio);
            line(-1, "objects delivered/expected", row, c -> pct(c.deliveredShare()), Cell::deliveredShare, ratio);
            line(-1, "on time (<= " + settings.onTime().toMillis() + " ms)", row, c -> pct(c.onTimeShare()),
                    Cell::onTimeShare, ratio);
            line(-1, "latency p50 ms", row, c -> fmt("%.1f", c.p50Millis()), Cell::p50Millis, ratio);
            line(-1, "latency p99 ms", row, c -> fmt("%.1f", c.p99Millis()), Cell::p99Millis, ratio);
            line(-1, "latency max ms", row, c -> fmt("%.0f", c.maxMillis()), Cell::maxMillis, ratio);
            line(-1, "groups reset (viewers/relay)", row, c -> c.groupsReset() + "/" + c.relayGroupsReset(), null,
                    ratio);
            line(-1, "objects missing, sessions lost", row, c -> c.lostObjects() + ", " + c.sessionsLost(), null,
                    ratio);
            line(-1, "relay loop CPU", row, c -> pct(c.relayCpu()), Cell::relayCpu, ratio);
            line(-1, "viewer loops CPU", row, c -> pct(c.viewerCpu()), Cell::viewerCpu, ratio);
            line(-1, "process CPU / others", row, c -> String.format(Locale.ROOT, "%.0f%% / %.0f%%%s",
                    100 * c.processCpu(), 100 * c.otherCpu(), c.otherCpu() > DISTURBED ? "*" : ""), null, ratio);
            line(-1, "relay re-connected to parent", row, c -> c.parentReconnects() < 0 ? "-"
                    : c.parentReconnects() == 0 ? "no" : c.parentReconnects() + " times", null, ratio);
            line(-1, "heap per viewer KiB", row, c -> fmt("%.1f", c.heapPerViewerBytes() / 1024),
                    Cell::heapPerViewerBytes, ratio);
        }
        long disturbed = cells.stream().filter(c -> c.otherCpu() > DISTURBED).count();
        if (disturbed > 0) {
            out.printf("* %d cell%s ran while the rest of the machine used more than %.0f%% of a core: their figures"
                    + " show that contention too; rerun on a quiet machine to compare transports%n", disturbed,
                    disturbed == 1 ? "" : "s", 100 * DISTURBED);
        }
    }

    private interface Figure {
        double of(Cell cell);
    }

    private interface Text {
        String of(Cell cell);
    }

    private void line(int viewers, String metric, List<Cell> row, Text text, Figure figure, boolean ratio) {
        StringBuilder line = new StringBuilder(String.format("%7s  %-28s", viewers < 0 ? "" : viewers, metric));
        for (Cell c : row) {
            line.append(String.format(" %13s", c == null ? "-" : text.of(c)));
        }
        Cell quic = ratio ? row.get(settings.transports().indexOf(Transport.QUIC)) : null;
        Cell wt = ratio ? row.get(settings.transports().indexOf(Transport.WEBTRANSPORT)) : null;
        if (figure != null && quic != null && wt != null) {
            double q = figure.of(quic);
            double w = figure.of(wt);
            line.append(String.format(" %8s", q == 0 || Double.isNaN(q) || Double.isNaN(w) ? "-" : fmt("%.2f", w / q)));
        }
        out.println(line);
    }

    private static Cell find(List<Cell> cells, int viewers, Transport transport) {
        return cells.stream().filter(c -> c.viewers() == viewers && c.transport() == transport).findFirst()
                .orElse(null);
    }

    private static String fmt(String format, double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, format, value);
    }

    private static String pct(double share) {
        return Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    // ------------------------------------------------------------------------------------------ measuring

    /** The least heap used right after a full GC, of three (what is in flight varies from one to the next). */
    private static long usedHeapAfterGc() {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            LockSupport.parkNanos(100_000_000);
        }
        return least;
    }

    /** Runs {@code task} on {@code loop} (the owner of the stats it reads or resets) and waits for it. */
    private static <T> T onLoop(EventLoop loop, Callable<T> task) throws Exception {
        return loop.submit(task).get(LOOP_ANSWER.toSeconds(), TimeUnit.SECONDS);
    }

    private static void onLoop(EventLoop loop, Runnable task) throws Exception {
        loop.submit(task).get(LOOP_ANSWER.toSeconds(), TimeUnit.SECONDS);
    }

    /** The relay's parent connections so far, or NaN if it does not count them under {@link #PARENT_CONNECTS}. */
    private static double parentConnects(Relay relay) {
        var counter = relay.registry().find(PARENT_CONNECTS).counter();
        return counter == null ? Double.NaN : counter.count();
    }

    private static void awaitParent(Relay relay, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (relay.parent() == null && System.nanoTime() - end < 0) {
            LockSupport.parkNanos(50_000_000);
        }
    }

    private static void sleepUntil(long wallMicros) {
        long left;
        while ((left = wallMicros - LoadViewer.nowMicros()) > 0) {
            LockSupport.parkNanos(left * 1000);
        }
    }

    private static long cpu(long threadId) {
        return ManagementFactory.getThreadMXBean().getThreadCpuTime(threadId);
    }

    private static long cpu(List<Long> threadIds) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : threadIds) {
            sum += Math.max(0, threads.getThreadCpuTime(id));
        }
        return sum;
    }

    private static long processCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /** Busy and total jiffies of the whole machine (Linux {@code /proc/stat}), or null elsewhere. */
    private static long[] machineJiffies() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long threadId(String regex) {
        List<Long> ids = threadIds(regex);
        if (ids.size() != 1) {
            throw new IllegalStateException(ids.size() + " threads match " + regex);
        }
        return ids.getFirst();
    }

    private static List<Long> threadIds(String regex) {
        Pattern pattern = Pattern.compile(regex);
        List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (pattern.matcher(t.getName()).matches()) {
                ids.add(t.threadId());
            }
        }
        return ids;
    }

    /** {@code EdgeBenchmark [N,N,...]}: the defaults, or other viewer counts. */
    public static void main(String[] args) throws Exception {
        Settings d = Settings.defaults();
        List<Integer> viewers = args.length > 0
                ? java.util.Arrays.stream(args[0].split(",")).map(String::trim).map(Integer::valueOf).toList()
                : d.viewers();
        new EdgeBenchmark(new Settings(viewers, d.transports(), d.warmup(), d.measure(), d.viewerLoops(),
                d.onTime()), System.out).run();
    }
}
