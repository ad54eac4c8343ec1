package dev.treecast.loadtest.engine;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import dev.treecast.loadtest.dsl.Assertions;
import dev.treecast.loadtest.dsl.Injections;
import dev.treecast.loadtest.model.AssertionResult;
import dev.treecast.loadtest.model.ChaosSpec;
import dev.treecast.loadtest.model.Population;
import dev.treecast.loadtest.model.ScenarioSpec;
import dev.treecast.loadtest.model.SimulationSpec;
import dev.treecast.loadtest.model.Step;
import dev.treecast.loadtest.model.Summary;
import dev.treecast.loadtest.model.Target;
import dev.treecast.loadtest.report.EventLog;
import dev.treecast.loadtest.report.Report;
import dev.treecast.loadtest.report.RunLog;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.SubscriberSession;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

/**
 * Runs a {@link SimulationSpec}: starts its target (an in-process cluster, or nothing for a fleet), starts viewers
 * as the injection profiles say on a few event loops, fires the chaos steps at their times, logs every second's
 * figures and prints a console line every few seconds; at the end it builds the report from the event log and
 * evaluates the assertions.
 *
 * <p>Threads: the viewers' loops (all viewer state), one driver thread (injection, sampling, console), one chaos
 * thread (kills and replacements take a while and must not delay the sampling).
 */
public final class Runner {
    /** How often the driver looks at the injection profile. */
    private static final long DRIVE_MILLIS = 10;

    /**
     * @param output        directory under which the run's directory is made
     * @param viewerThreads event loops the viewers share
     * @param consoleEvery  how often a live line is printed
     * @param seed          for everything random (think times, chaos picks), so a run can be repeated
     */
    public record Settings(Path output, int viewerThreads, Duration consoleEvery, long seed, PrintStream out) {
        public Settings {
            if (viewerThreads < 1) {
                throw new IllegalArgumentException("viewer threads must be >= 1, got " + viewerThreads);
            }
        }

        public static Settings defaults(PrintStream out) {
            return new Settings(Path.of("target", "loadtest"),
                    Math.max(1, Runtime.getRuntime().availableProcessors() / 2), Duration.ofSeconds(5), 1, out);
        }
    }

    /** What a run produced: the summary, the assertions' results, where the report is, and the exit code. */
    public record Result(Summary summary, List<AssertionResult> assertions, Path directory, int exitCode) {
        public Path report() {
            return directory.resolve("index.html");
        }
    }

    private final SimulationSpec spec;
    private final Settings settings;
    private final PrintStream out;

    public Runner(SimulationSpec spec, Settings settings) {
        this.spec = spec;
        this.settings = settings;
        this.out = settings.out();
    }

    public Result run() throws Exception {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = settings.output().resolve(spec.name().toLowerCase(Locale.ROOT) + "-" + stamp);
        for (int i = 2; Files.exists(dir); i++) {
            dir = settings.output().resolve(spec.name().toLowerCase(Locale.ROOT) + "-" + stamp + "-" + i);
        }
        Files.createDirectories(dir);
        Path events = dir.resolve("events.jsonl");
        try (EventLog log = EventLog.create(events)) {
            runWith(log);
        }
        RunLog runLog = Report.read(events);
        Summary summary = runLog.summary();
        List<AssertionResult> results = Assertions.evaluate(summary, spec.assertions());
        Report.write(runLog, results, dir);
        out.println();
        out.println(describe(summary));
        for (AssertionResult r : results) {
            out.println(r);
        }
        out.println("report: " + dir.resolve("index.html").toAbsolutePath());
        return new Result(summary, results, dir, Assertions.exitCode(results));
    }

    private void runWith(EventLog log) throws Exception {
        String broadcast = broadcast();
        LocalCluster cluster = null;
        EventLoopGroup viewerGroup = null;
        ExecutorService http = Executors.newFixedThreadPool(2, daemon("loadtest-http"));
        ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor(daemon("loadtest-chaos"));
        List<ViewerLoop> loops = new ArrayList<>();
        try {
            EdgeSource edges;
            String targetText;
            if (spec.target() instanceof Target.InProcess t) {
                out.printf("starting an in-process cluster: ingest + relays %s, %s%n", t.levels(),
                        t.source() == Target.Source.CLIP ? "the built-in clip"
                                : String.format(Locale.ROOT, "a synthetic %.1f Mbit/s stream", t.bitsPerSecond() / 1e6));
                cluster = LocalCluster.start(new LocalCluster.Options(t.levels(), broadcast,
                        t.source() == Target.Source.SYNTHETIC ? t.bitsPerSecond() : null, "127.0.0.1", null, 0, 0,
                        t.viewerCapacity()), settings.seed());
                LocalCluster c = cluster;
                edges = new EdgeSource(c.httpBase(), c::leafAddresses, http);
                targetText = "in-process cluster " + t.levels() + " (" + t.source().name().toLowerCase(Locale.ROOT)
                        + "), director " + c.httpBase();
                out.println("cluster up: director " + c.httpBase() + ", player " + c.httpBase() + "/watch/"
                        + broadcast);
            } else {
                Target.Fleet f = (Target.Fleet) spec.target();
                List<InetSocketAddress> relays = f.relays().stream().map(Runner::resolved).toList();
                edges = new EdgeSource(f.director(), () -> relays, http);
                targetText = "fleet" + (f.director() == null ? "" : " director " + f.director())
                        + (f.relays().isEmpty() ? "" : " relays " + f.relays())
                        + (f.reference() == null ? "" : ", reference subscriber on " + f.reference());
            }
            viewerGroup = Transports.newGroup(settings.viewerThreads(), "viewers");
            // A fleet's relays are on other hosts: a socket bound to loopback could not reach them.
            InetSocketAddress bind = cluster != null ? new InetSocketAddress("127.0.0.1", 0)
                    : new InetSocketAddress(0);
            for (int i = 0; i < settings.viewerThreads(); i++) {
                loops.add(new ViewerLoop(viewerGroup.next(), bind));
            }
            for (ViewerLoop loop : loops) {
                loop.bind();
            }
            GroupLedger ledger = cluster != null ? reference(cluster.ingest().quicAddress(), loops.get(0), broadcast)
                    : spec.target() instanceof Target.Fleet f && f.reference() != null
                    ? reference(resolved(f.reference()), loops.get(0), broadcast) : null;
            long start = System.nanoTime();
            RunContext context = new RunContext(log, edges, System::nanoTime, Runner::wallMicros, start,
                    new Recorder(3), new RunContext.Figures(), ledger);
            log.runStarted(spec.name(), targetText, System.currentTimeMillis());
            LocalCluster c = cluster;
            if (c != null) {
                c.onRepair(r -> log.relayRepair(context.t(System.nanoTime()), r.node(), r.oldParentId(),
                        r.newParentId(), r.tookNanos() / 1e6));
            }
            for (ViewerLoop loop : loops) {
                loop.loop.submit(() -> loop.start(context)).get(5, TimeUnit.SECONDS);
            }
            long endNanos = start + runLength().toNanos();
            if (c != null) {
                scheduleChaos(chaos, c, log, context, endNanos);
            }
            long[] lastOrigin = {c == null ? -1 : originBytes(c, ledger)};
            drive(context, loops, c, endNanos, lastOrigin);
            // The run is over: everyone still watching stops now and logs their totals.
            for (ViewerLoop loop : loops) {
                loop.loop.submit(loop::stopAll).get(10, TimeUnit.SECONDS);
            }
            sample(context, loops, c, lastOrigin, true);
            log.runEnded(context.t(System.nanoTime()));
        } finally {
            chaos.shutdownNow();
            chaos.awaitTermination(30, TimeUnit.SECONDS);
            for (ViewerLoop loop : loops) {
                loop.close();
            }
            if (viewerGroup != null) {
                viewerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            }
            http.shutdownNow();
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ injection

    /** One population's progress: the open start offsets not started yet, or the closed viewers watching. */
    private static final class Injector {
        final Population population;
        final long[] offsets;
        int next;
        final AtomicInteger active = new AtomicInteger();
        final long closedLength;

        Injector(Population population) {
            this.population = population;
            if (population instanceof Population.Open o) {
                offsets = Injections.openStartOffsetsNanos(o.steps());
                closedLength = 0;
            } else {
                offsets = new long[0];
                closedLength = Injections.closedLengthNanos(((Population.Closed) population).steps());
            }
        }

        boolean done(long offset) {
            return population instanceof Population.Open ? next >= offsets.length : offset >= closedLength;
        }
    }

    /** The driver's loop: start viewers when due, sample every second, print the console line. */
    private void drive(RunContext context, List<ViewerLoop> loops, LocalCluster cluster, long endNanos,
                       long[] lastOrigin) {
        List<Injector> injectors = spec.populations().stream().map(Injector::new).toList();
        Random random = new Random(settings.seed());
        AtomicLong ids = new AtomicLong();
        long start = context.runStartNanos();
        long nextSample = start + 1_000_000_000L;
        long nextConsole = start + settings.consoleEvery().toNanos();
        int rr = 0;
        while (true) {
            long now = System.nanoTime();
            long offset = now - start;
            if (now - endNanos >= 0) {
                break;
            }
            boolean injecting = false;
            for (Injector in : injectors) {
                if (in.population instanceof Population.Open) {
                    while (in.next < in.offsets.length && in.offsets[in.next] <= offset) {
                        in.next++;
                        startViewer(in, loops.get(rr++ % loops.size()), ids, random);
                    }
                } else if (!in.done(offset)) {
                    int target = Injections.closedConcurrency(((Population.Closed) in.population).steps(), offset);
                    while (in.active.get() < target) {
                        startViewer(in, loops.get(rr++ % loops.size()), ids, random);
                    }
                }
                injecting |= !in.done(offset);
            }
            if (now - nextSample >= 0) {
                sample(context, loops, cluster, lastOrigin, false);
                nextSample += 1_000_000_000L;
            }
            if (now - nextConsole >= 0) {
                out.println(console(context, loops, offset));
                nextConsole += settings.consoleEvery().toNanos();
            }
            if (!injecting && injectors.stream().allMatch(in -> in.active.get() == 0)) {
                break; // everyone has watched what they came for
            }
            // Closed populations' viewers leave when their profile ends.
            for (Injector in : injectors) {
                if (in.population instanceof Population.Closed && in.done(offset) && in.active.get() > 0) {
                    stopPopulation(in, loops);
                }
            }
            LockSupport.parkNanos(DRIVE_MILLIS * 1_000_000L);
        }
    }

    private void startViewer(Injector in, ViewerLoop loop, AtomicLong ids, Random random) {
        long id = ids.incrementAndGet();
        in.active.incrementAndGet();
        Random own = new Random(random.nextLong());
        loop.loop.execute(() -> new VirtualViewer(id, in.population.scenario(), loop, own,
                v -> in.active.decrementAndGet()).start());
    }

    private void stopPopulation(Injector in, List<ViewerLoop> loops) {
        ScenarioSpec scenario = in.population.scenario();
        for (ViewerLoop loop : loops) {
            loop.loop.execute(() -> loop.stopScenario(scenario));
        }
    }

    // ------------------------------------------------------------------------------------------------ sampling

    private final Histogram consoleLatency = new Histogram(60_000_000L, 3);
    private long consoleBytes;
    private long consoleOrigin;
    private long consoleLost;
    private long consoleDuplicates;
    private long consoleStalling;

    /** Collects the interval from every loop and logs it, with the origin's egress in the interval. */
    private void sample(RunContext context, List<ViewerLoop> loops, LocalCluster cluster, long[] lastOrigin,
                        boolean last) {
        int active = 0;
        int stalling = 0;
        long objects = 0;
        long bytes = 0;
        long lost = 0;
        long duplicates = 0;
        Histogram latency = new Histogram(60_000_000L, 3);
        for (ViewerLoop loop : loops) {
            try {
                EventLog.Interval i = loop.loop.submit(loop::takeInterval).get(5, TimeUnit.SECONDS);
                active += i.activeViewers();
                stalling += i.stallingViewers();
                objects += i.objects();
                bytes += i.bytes();
                lost += i.lost();
                duplicates += i.duplicates();
                latency.add(i.latencyMicros());
            } catch (Exception e) {
                out.println("sampling viewers: " + e);
            }
        }
        long origin = -1;
        if (cluster != null) {
            long now = originBytes(cluster, context.ledger());
            origin = Math.max(0, now - lastOrigin[0]);
            lastOrigin[0] = now;
        }
        context.log().interval(context.t(System.nanoTime()), new EventLog.Interval(active, stalling, latency,
                objects, bytes, origin, lost, duplicates));
        synchronized (consoleLatency) {
            consoleLatency.add(latency);
            consoleBytes += bytes;
            consoleOrigin += Math.max(0, origin);
            consoleLost += lost;
            consoleDuplicates += duplicates;
            consoleStalling = stalling;
        }
    }

    private String console(RunContext context, List<ViewerLoop> loops, long offsetNanos) {
        RunContext.Figures f = context.figures();
        double seconds = settings.consoleEvery().toNanos() / 1e9;
        Histogram startup = context.startupMicros().getIntervalHistogram();
        synchronized (consoleLatency) {
            String line = String.format(Locale.ROOT, "[%5.0fs] viewers %d active, %d started, %d failed"
                            + " | latency p50 %s p99 %s | startup p50 %s | stalling %d, stalls %d | lost %d, dup %d"
                            + " | reconnects %d | delivered %.1f Mbit/s, origin %.1f Mbit/s",
                    offsetNanos / 1e9, f.started.sum() - f.ended.sum(), f.started.sum(), f.failed.sum(),
                    ms(consoleLatency, 50), ms(consoleLatency, 99), ms(startup, 50), consoleStalling,
                    f.stalls.sum(), consoleLost, consoleDuplicates, f.reconnects.sum(),
                    consoleBytes * 8 / seconds / 1e6, consoleOrigin * 8 / seconds / 1e6);
            consoleLatency.reset();
            consoleBytes = 0;
            consoleOrigin = 0;
            return line;
        }
    }

    private static String ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-" : (h.getValueAtPercentile(percentile) / 1000) + " ms";
    }

    // ------------------------------------------------------------------------------------------------ chaos

    private void scheduleChaos(ScheduledExecutorService chaos, LocalCluster cluster, EventLog log,
                               RunContext context, long endNanos) {
        long start = context.runStartNanos();
        for (ChaosSpec c : spec.chaos()) {
            long at = c.at().toNanos();
            long every = c.every() == null ? 0 : c.every().toNanos();
            for (long t = at; start + t < endNanos; t += every) {
                chaos.schedule(() -> fire(c, cluster, log, context), start + t - System.nanoTime(),
                        TimeUnit.NANOSECONDS);
                if (every == 0) {
                    break;
                }
            }
        }
    }

    private void fire(ChaosSpec c, LocalCluster cluster, EventLog log, RunContext context) {
        String action = c.action().name().toLowerCase(Locale.ROOT);
        try {
            if (c.action() == ChaosSpec.Action.RESUME) {
                LocalCluster.Member m = cluster.resume(c.selector());
                event(log, context, action, m == null ? "-" : m.nodeId(), m == null ? "no hung relay" : "resumed");
                return;
            }
            LocalCluster.Member victim = cluster.pick(c.selector());
            if (victim == null) {
                event(log, context, action, "-", "no relay matches " + c.selector());
                return;
            }
            switch (c.action()) {
                case KILL -> {
                    event(log, context, action, victim.nodeId(), "level " + victim.level() + ", crashed");
                    cluster.kill(victim);
                }
                case STOP -> {
                    event(log, context, action, victim.nodeId(), "level " + victim.level() + ", hung");
                    cluster.stop(victim);
                    return;
                }
                case DRAIN -> {
                    event(log, context, action, victim.nodeId(), "level " + victim.level() + ", draining");
                    cluster.drain(victim, Duration.ofSeconds(4));
                }
                case RESUME -> throw new AssertionError();
            }
            if (spec.target() instanceof Target.InProcess t && t.replaceKilled()) {
                LocalCluster.Member fresh = cluster.replace(victim);
                event(log, context, "replace", fresh.nodeId(), "replaces " + victim.nodeId() + ", placed under "
                        + fresh.relay().parentId());
            }
        } catch (Exception e) {
            event(log, context, action, "-", "failed: " + e);
        }
    }

    private void event(EventLog log, RunContext context, String action, String relay, String detail) {
        long t = context.t(System.nanoTime());
        log.chaos(t, action, relay, detail);
        out.printf(Locale.ROOT, "[%5.1fs] chaos: %s %s (%s)%n", t / 1000.0, action, relay, detail);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** What the origin sent to the tree: its egress less what it sent the reference subscriber. */
    private static long originBytes(LocalCluster cluster, GroupLedger ledger) {
        return cluster.originBytes() - (ledger == null ? 0 : ledger.bytes());
    }

    /**
     * A subscriber on the ingest itself (at {@code ingest}, its {@code treecast/1} address) that records every
     * group published on the tracks the scenarios watch.
     */
    private GroupLedger reference(InetSocketAddress ingest, ViewerLoop loop, String broadcast) throws Exception {
        GroupLedger ledger = new GroupLedger();
        SubscriberSession session = ClientSession.connect(loop.quic(), ingest,
                SubscriberSession.Options.viewer("loadtest-reference"), new SubscriberSession.Listener<>() {
                }).get(10, TimeUnit.SECONDS);
        java.util.Set<String> tracks = new java.util.LinkedHashSet<>();
        for (Population p : spec.populations()) {
            for (Step s : p.scenario().steps()) {
                if (s instanceof Step.Watch w) {
                    tracks.add(w.rendition());
                    if (w.audio()) {
                        tracks.add("audio");
                    }
                }
            }
        }
        loop.loop.submit(() -> tracks.forEach(t -> ledger.record(session, broadcast, t))).get(5, TimeUnit.SECONDS);
        return ledger;
    }

    /** The one broadcast the scenarios watch (an in-process cluster publishes one). */
    private String broadcast() {
        List<String> names = spec.populations().stream().flatMap(p -> p.scenario().steps().stream())
                .filter(s -> s instanceof Step.Watch).map(s -> ((Step.Watch) s).broadcast()).distinct().toList();
        if (names.size() > 1 && spec.target() instanceof Target.InProcess) {
            throw new IllegalArgumentException("an in-process cluster publishes one broadcast; the scenarios watch "
                    + names);
        }
        return names.get(0);
    }

    /** The run's length: the max duration, or the injection profiles plus the longest scenario, plus a margin. */
    Duration runLength() {
        if (spec.maxDuration() != null) {
            return spec.maxDuration();
        }
        long longest = 0;
        for (Population p : spec.populations()) {
            long injection = p instanceof Population.Open o ? Injections.openLengthNanos(o.steps())
                    : Injections.closedLengthNanos(((Population.Closed) p).steps());
            long scenario = 0;
            for (Step s : p.scenario().steps()) {
                scenario += switch (s) {
                    case Step.Pause pause -> pause.max().toNanos();
                    case Step.Watch w -> w.duration().toNanos();
                };
            }
            longest = Math.max(longest, p instanceof Population.Open ? injection + scenario : injection);
        }
        return Duration.ofNanos(longest).plusSeconds(5);
    }

    static String describe(Summary s) {
        return String.format(Locale.ROOT, "%s: %d viewers (%d completed, %d failed, peak %d at once) in %.1f s;"
                        + " startup p50 %s p95 %s; latency p50 %s p99 %s max %s; stalls %d (%.3f %% of %d s"
                        + " watched); lost %d, duplicates %d; reconnects %d (p99 %s); relay repairs %d (p99 %s);"
                        + " delivered %.1f MB, origin %s (offload %s)",
                s.simulation(), s.viewersStarted(), s.viewersCompleted(), s.viewersFailed(), s.peakActiveViewers(),
                s.durationMillis() / 1000.0, ms(s.startupMicros(), 50), ms(s.startupMicros(), 95),
                ms(s.latencyMicros(), 50), ms(s.latencyMicros(), 99), ms(s.latencyMicros(), 100), s.stalls(),
                100 * s.stallRatio(), s.watchedMillis() / 1000, s.lostObjects(), s.duplicateObjects(),
                s.reconnects(), ms(s.reconnectMicros(), 99), s.relayRepairs(), ms(s.relayRepairMicros(), 99),
                s.deliveredBytes() / 1e6, s.originBytes() < 0 ? "unknown"
                        : String.format(Locale.ROOT, "%.1f MB", s.originBytes() / 1e6),
                Double.isNaN(s.offload()) ? "-" : String.format(Locale.ROOT, "%.1fx", s.offload()));
    }

    /** Host names given to the DSL are kept unresolved there; they are resolved once, here, off the viewers' loops. */
    private static InetSocketAddress resolved(InetSocketAddress address) {
        return address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
    }

    static long wallMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

}
