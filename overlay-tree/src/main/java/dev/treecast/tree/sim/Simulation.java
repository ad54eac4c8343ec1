package dev.treecast.tree.sim;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import dev.treecast.tree.RelayAgent;
import dev.treecast.tree.RelayAgent.Action;
import dev.treecast.tree.RelayInfo;
import dev.treecast.tree.TreeController;
import dev.treecast.tree.sim.TreeHarness.Relay;

/**
 * The tree at scale: the real {@link TreeController} and {@link RelayAgent}s over a simulated clock and network
 * ({@link TreeHarness}), seeded and deterministic.
 *
 * <p>Relays get capacities from a mix (10 % at 10 Gbit/s, 30 % at 1 Gbit/s, 60 % at 200 Mbit/s; slots = uplink ÷
 * stream bitrate × (1 − margin)), one of {@code regions} regions, and a one-way delay per pair (5–20 ms within a
 * region, 30–80 ms across, drawn once per pair from a hash). They join at {@code joinRate} per second; after a
 * settling period viewers are spread over relays least-loaded-first by capacity (water-filling: viewers only count as
 * load and are reported; no object per viewer); then a fraction of relays crash at once, and the run watches the
 * repair for {@code observe}.
 *
 * <p>Heartbeats are modelled, not simulated one by one (unless {@code exactHeartbeats}): a crashed parent is noticed
 * {@code deadAfter + uniform(0, heartbeatEvery)} after the crash, which bounds the events per relay.
 *
 * <p>Measured: join time (JOIN sent → first connected), repair time (crash → orphan connected to its new parent), the
 * time until each affected relay's whole path to the root is live again ("restored"), the viewers behind those
 * relays, depth and fan-out distributions, relays left without a path to the root, and controller moves.
 */
public final class Simulation {
    private Simulation() {
    }

    /** What to simulate. Start from {@link #defaults()} and change what you need. */
    public record Options(int relays, long viewers, double failFraction, long seed, int regions, int rootSlots,
            double joinRate, double streamMbps, double margin, Duration heartbeatEvery, Duration deadAfter,
            Duration connectTimeout, Duration reportEvery, Duration reportTimeout, Duration controllerTick,
            int maxBackups, int maxMovesPerTick, Duration settle, Duration observe, boolean exactHeartbeats) {
        /** Validates. */
        public Options {
            if (relays < 1) {
                throw new IllegalArgumentException("relays " + relays + " < 1");
            }
            if (viewers < 0) {
                throw new IllegalArgumentException("viewers " + viewers + " < 0");
            }
            if (failFraction < 0 || failFraction > 1) {
                throw new IllegalArgumentException("fail " + failFraction + " outside [0, 1]");
            }
            if (regions < 1 || rootSlots < 1 || joinRate <= 0 || streamMbps <= 0 || margin < 0 || margin >= 1) {
                throw new IllegalArgumentException("regions, root slots, join rate, bitrate must be positive and "
                        + "the margin in [0, 1)");
            }
        }

        /**
         * 10 000 relays, 10 000 000 viewers, 10 % failure, seed 1, 4 regions, an ingest feeding 32 relays, 1 000
         * joins/s, a 5 Mbit/s stream with a 20 % margin, heartbeats every 50 ms, dead after 150 ms, connect timeout
         * 400 ms (the relays' own settings), reports every second (forgotten after 3 s), a controller tick every 250 ms, 4 backups, 100 moves
         * per tick, 5 s to settle after the joins, 10 s observed after the failure.
         */
        public static Options defaults() {
            return new Options(10_000, 10_000_000, 0.10, 1, 4, 32, 1000, 5, 0.2, Duration.ofMillis(50),
                    Duration.ofMillis(150), Duration.ofMillis(400), Duration.ofSeconds(1), Duration.ofSeconds(3),
                    Duration.ofMillis(250), 4, 100, Duration.ofSeconds(5), Duration.ofSeconds(10), false);
        }

        public Options withRelays(int n) {
            return new Options(n, viewers, failFraction, seed, regions, rootSlots, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exactHeartbeats);
        }

        public Options withViewers(long n) {
            return new Options(relays, n, failFraction, seed, regions, rootSlots, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exactHeartbeats);
        }

        public Options withFailFraction(double f) {
            return new Options(relays, viewers, f, seed, regions, rootSlots, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exactHeartbeats);
        }

        public Options withSeed(long s) {
            return new Options(relays, viewers, failFraction, s, regions, rootSlots, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exactHeartbeats);
        }

        public Options withRootSlots(int n) {
            return new Options(relays, viewers, failFraction, seed, regions, n, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exactHeartbeats);
        }

        public Options withJoinRate(double perSecond) {
            return new Options(relays, viewers, failFraction, seed, regions, rootSlots, perSecond, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exactHeartbeats);
        }

        public Options withRegions(int n) {
            return new Options(relays, viewers, failFraction, seed, n, rootSlots, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exactHeartbeats);
        }

        public Options withMaxMovesPerTick(int n) {
            return new Options(relays, viewers, failFraction, seed, regions, rootSlots, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    n, settle, observe, exactHeartbeats);
        }

        public Options withExactHeartbeats(boolean exact) {
            return new Options(relays, viewers, failFraction, seed, regions, rootSlots, joinRate, streamMbps, margin,
                    heartbeatEvery, deadAfter, connectTimeout, reportEvery, reportTimeout, controllerTick, maxBackups,
                    maxMovesPerTick, settle, observe, exact);
        }

        /**
         * Parses {@code --relays N --viewers N --fail 10% --seed N --regions N --root-slots N --join-rate N
         * --max-moves N --exact-heartbeats} over the defaults (fail also as a fraction, 0.1; numbers may use _).
         *
         * @throws IllegalArgumentException on an unknown flag or a bad value, saying which
         */
        public static Options parse(String... args) {
            Options o = defaults();
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--exact-heartbeats")) {
                    o = o.withExactHeartbeats(true);
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String v = args[++i].replace("_", "");
                try {
                    o = switch (flag) {
                        case "--relays" -> o.withRelays(Integer.parseInt(v));
                        case "--viewers" -> o.withViewers(Long.parseLong(v));
                        case "--fail" -> o.withFailFraction(v.endsWith("%")
                                ? Double.parseDouble(v.substring(0, v.length() - 1)) / 100 : Double.parseDouble(v));
                        case "--seed" -> o.withSeed(Long.parseLong(v));
                        case "--regions" -> o.withRegions(Integer.parseInt(v));
                        case "--root-slots" -> o.withRootSlots(Integer.parseInt(v));
                        case "--join-rate" -> o.withJoinRate(Double.parseDouble(v));
                        case "--max-moves" -> o.withMaxMovesPerTick(Integer.parseInt(v));
                        default -> throw new IllegalArgumentException("unknown option " + flag + "; known: --relays "
                                + "--viewers --fail --seed --regions --root-slots --join-rate --max-moves "
                                + "--exact-heartbeats");
                    };
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(flag + ": not a number: " + args[i], e);
                }
            }
            return o;
        }
    }

    /** Percentiles of a sample, in milliseconds (or plain units for counts). */
    public record Distribution(int count, double p50, double p90, double p99, double max) {
        static Distribution of(double[] values) {
            if (values.length == 0) {
                return new Distribution(0, 0, 0, 0, 0);
            }
            double[] v = values.clone();
            Arrays.sort(v);
            return new Distribution(v.length, at(v, 0.50), at(v, 0.90), at(v, 0.99), v[v.length - 1]);
        }

        private static double at(double[] sorted, double q) {
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1 < 0 ? 0
                    : (int) Math.ceil(q * sorted.length) - 1)];
        }

        String ms() {
            return count == 0 ? "none" : String.format(Locale.ROOT, "p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms"
                    + "  (n=%d)", p50, p90, p99, max, count);
        }

        String plain() {
            return count == 0 ? "none" : String.format(Locale.ROOT, "p50 %.0f  p90 %.0f  p99 %.0f  max %.0f  (n=%d)",
                    p50, p90, p99, max, count);
        }
    }

    /** The tree's shape at one moment (live relays, from the relays' own links). */
    public record Shape(int relays, TreeMap<Integer, Integer> depths, double meanDepth, int maxDepth,
            Distribution fanOut, Distribution fanOutOfParents, int rootChildren, int overCapacity,
            int withoutPathToRoot) {
    }

    /** What a run measured. */
    public record Result(Options options, Shape afterJoin, Shape afterRepair, Distribution joinMs, int killed,
            int orphans, int orphansRepaired, Distribution repairMs, Distribution detectMs, Distribution restoredMs,
            double viewerLoad, long viewersOnKilled, long viewersStalled, Distribution viewerStallMs, long joinMoves,
            long repairMoves, long displacements, long backupLists, long repairs, long repairAttempts,
            long detachedEvents, long events,
            long messages, double simulatedSeconds, Duration wallTime) {

        /** A readable report. */
        public void print(PrintStream out) {
            Options o = options;
            out.printf(Locale.ROOT, "treecast tree simulation: %,d relays, %,d viewers, %.0f %% fail at once, seed %d"
                    + "%n", o.relays(), o.viewers(), o.failFraction() * 100, o.seed());
            out.printf(Locale.ROOT, "  %d regions, ingest feeds %d relays, joins at %.0f/s, heartbeat %d ms, dead "
                    + "after %d ms, heartbeats %s%n", o.regions(), o.rootSlots(), o.joinRate(),
                    o.heartbeatEvery().toMillis(), o.deadAfter().toMillis(),
                    o.exactHeartbeats() ? "simulated one by one" : "modelled (death noticed deadAfter + U(0, "
                            + "heartbeat) after a crash)");
            out.println("join");
            out.println("  join time (JOIN sent -> receiving): " + joinMs.ms());
            printShape(out, "after joins", afterJoin);
            out.printf(Locale.ROOT, "  controller: %,d displacements, %,d moves during joins%n", displacements,
                    joinMoves);
            out.printf(Locale.ROOT, "  viewers: load factor %.2f of capacity (viewers + child relays over slots; "
                    + "> 1 means the fleet is short)%n", viewerLoad);
            out.println("failure");
            out.printf(Locale.ROOT, "  killed %,d relays at once; %,d orphans (their live children), %,d repaired%n",
                    killed, orphans, orphansRepaired);
            out.println("  repair time (crash -> orphan receiving from new parent): " + repairMs.ms());
            out.println("  of which detection (crash -> parent declared dead):     " + detectMs.ms());
            out.println("  path restored (crash -> every hop to the root live again, all affected relays): "
                    + restoredMs.ms());
            out.printf(Locale.ROOT, "  viewers: %,d on killed relays (reconnect via the director), %,d stalled "
                    + "behind repairs: %s%n", viewersOnKilled, viewersStalled, viewerStallMs.ms());
            out.printf(Locale.ROOT, "  %,d repairs in all, %.2f connect attempts per repair, %,d detached events; "
                    + "controller: %,d moves after the failure%n", repairs,
                    repairs == 0 ? 0.0 : (double) repairAttempts / repairs, detachedEvents, repairMoves);
            printShape(out, "after repair", afterRepair);
            out.printf(Locale.ROOT, "run: %,d events, %,d messages, %,d backup lists sent, %.1f s simulated in %.1f s"
                    + "%n", events, messages, backupLists, simulatedSeconds, wallTime.toMillis() / 1000.0);
        }

        private static void printShape(PrintStream out, String label, Shape s) {
            StringBuilder depths = new StringBuilder();
            s.depths().forEach((d, n) -> depths.append(String.format(Locale.ROOT, " %d:%,d", d, n)));
            out.printf(Locale.ROOT, "  tree %s: %,d live relays, depth mean %.2f max %d, per depth%s%n", label,
                    s.relays(), s.meanDepth(), s.maxDepth(), depths);
            out.println("    fan-out (children per relay): " + s.fanOut().plain() + "; of relays with children: "
                    + s.fanOutOfParents().plain());
            out.printf(Locale.ROOT, "    ingest feeds %d; %d relays over their slots; %d without a live path to "
                    + "the root%n", s.rootChildren(), s.overCapacity(), s.withoutPathToRoot());
        }
    }

    /** Runs the simulation. */
    public static Result run(Options o) {
        long wallStart = System.nanoTime();
        SplittableRandom random = new SplittableRandom(o.seed());
        long pairSeed = random.nextLong();
        TreeHarness.Config config = new TreeHarness.Config("ingest", "region-0", o.rootSlots(), o.heartbeatEvery(),
                o.deadAfter(), o.deadAfter().multipliedBy(4), o.connectTimeout(), o.exactHeartbeats(),
                o.reportEvery(), o.reportTimeout(), o.controllerTick(), o.maxBackups(), o.maxMovesPerTick(),
                Duration.ofSeconds(1), Duration.ofSeconds(5), 0, Duration.ofMillis(2), Duration.ZERO,
                (a, ra, b, rb) -> pairDelay(pairSeed, a, ra, b, rb));
        TreeHarness world = new TreeHarness(config, random.split());

        Metrics m = new Metrics();
        world.listener(m::onAction);

        // Join phase.
        long start = world.now();
        double gap = 1e9 / o.joinRate();
        for (int i = 0; i < o.relays(); i++) {
            RelayInfo info = relayInfo(i, o, random);
            world.events().at(start + (long) (i * gap), () -> world.addRelay(info));
        }
        world.runUntil(start + (long) (o.relays() * gap) + o.settle().toNanos());
        Shape afterJoin = shape(world);
        TreeController.Stats joinStats = world.controller().stats();
        double viewerLoad = spreadViewers(world, o.viewers(), m.viewers);

        // Failure phase: crash a fraction of relays at once.
        List<Relay> live = world.liveRelays();
        int kill = (int) Math.round(o.failFraction() * live.size());
        shuffle(live, random);
        List<Relay> victims = live.subList(0, kill);
        Set<String> victimIds = new HashSet<>();
        long viewersOnKilled = 0;
        for (Relay r : victims) {
            victimIds.add(r.id());
            viewersOnKilled += m.viewers.getOrDefault(r.id(), 0);
        }
        for (Relay r : world.liveRelays()) {
            String p = r.agent().parentId();
            if (p != null && victimIds.contains(p) && !victimIds.contains(r.id())) {
                m.orphans.add(r.id());
            }
        }
        m.killAt = world.now();
        world.kill(victimIds, false);
        world.runUntil(world.now() + o.observe().toNanos());
        Shape afterRepair = shape(world);
        TreeController.Stats endStats = world.controller().stats();

        // Path restored: the latest repair on the way up, for every relay whose path was cut.
        List<Double> restored = new ArrayList<>();
        List<Double> viewerStall = new ArrayList<>();
        long viewersStalled = 0;
        Map<String, Long> memo = new HashMap<>();
        for (Relay r : world.liveRelays()) {
            long at = restoredAt(world, r, m.lastRepair, memo);
            if (at > m.killAt) {
                double ms = (at - m.killAt) / 1e6;
                restored.add(ms);
                int v = m.viewers.getOrDefault(r.id(), 0);
                if (v > 0) {
                    viewersStalled += v;
                    viewerStall.add(ms); // one sample per relay; its viewers stall that long
                }
            }
        }

        return new Result(o, afterJoin, afterRepair, Distribution.of(toArray(m.joinMs)), kill, m.orphans.size(),
                m.orphanRepairMs.size(), Distribution.of(toArray(new ArrayList<>(m.orphanRepairMs.values()))),
                Distribution.of(toArray(m.detectMs)), Distribution.of(toArray(restored)), viewerLoad, viewersOnKilled,
                viewersStalled, Distribution.of(toArray(viewerStall)), joinStats.moves(),
                endStats.moves() - joinStats.moves(), endStats.displacements(), endStats.backupLists(), m.repairs,
                m.repairAttempts, m.detached, world.events().processed(), world.messages(), world.now() / 1e9,
                Duration.ofNanos(System.nanoTime() - wallStart));
    }

    /** {@code simulate --relays 10000 --viewers 10000000 --fail 10%}: runs and prints. */
    public static void main(String[] args) {
        run(Options.parse(args)).print(System.out);
    }

    // ---- metrics

    private static final class Metrics {
        final List<Double> joinMs = new ArrayList<>();
        final Set<String> joined = new HashSet<>();
        final Set<String> orphans = new HashSet<>();
        final Map<String, Double> orphanRepairMs = new HashMap<>();
        final List<Double> detectMs = new ArrayList<>();
        final Map<String, Long> lastRepair = new HashMap<>();
        final Map<String, Integer> viewers = new HashMap<>();
        long killAt = Long.MAX_VALUE;
        long repairs;
        long detached;
        long repairAttempts;

        void onAction(Relay r, Action a, long now) {
            switch (a) {
                case Action.Joined j -> {
                    if (joined.add(r.id())) {
                        joinMs.add((now - r.joinSentAt()) / 1e6);
                    }
                }
                case Action.Repaired rp -> {
                    if (now >= killAt) {
                        repairs++;
                        lastRepair.put(r.id(), now);
                        if (orphans.contains(r.id()) && !orphanRepairMs.containsKey(r.id())) {
                            orphanRepairMs.put(r.id(), (now - killAt) / 1e6);
                            detectMs.add((now - killAt - rp.tookNanos()) / 1e6);
                        }
                    }
                }
                case Action.Detached d -> detached++;
                case Action.Connect c -> {
                    if (now >= killAt && r.agent().state() == RelayAgent.State.REPAIRING) {
                        repairAttempts++;
                    }
                }
                default -> {
                }
            }
        }
    }

    private static long restoredAt(TreeHarness world, Relay r, Map<String, Long> lastRepair, Map<String, Long> memo) {
        // Iterative walk up (paths are short, but stay safe on deep trees): collect, then resolve top-down.
        List<Relay> path = new ArrayList<>();
        Relay x = r;
        long above = Long.MIN_VALUE;
        while (x != null && !x.isRoot()) {
            Long known = memo.get(x.id());
            if (known != null) {
                above = known;
                break;
            }
            path.add(x);
            String p = x.agent().parentId();
            x = p == null ? null : p.equals(world.root().id()) ? world.root() : world.relay(p);
            if (path.size() > 10_000) {
                break;
            }
        }
        for (int i = path.size() - 1; i >= 0; i--) {
            Relay y = path.get(i);
            above = Math.max(above, lastRepair.getOrDefault(y.id(), Long.MIN_VALUE));
            memo.put(y.id(), above);
        }
        return above;
    }

    // ---- world building

    private static RelayInfo relayInfo(int i, Options o, SplittableRandom random) {
        double draw = random.nextDouble();
        double uplinkMbps = draw < 0.10 ? 10_000 : draw < 0.40 ? 1_000 : 200;
        int slots = (int) Math.floor(uplinkMbps / o.streamMbps() * (1 - o.margin()));
        String id = String.format(Locale.ROOT, "relay-%06d", i);
        String region = "region-" + random.nextInt(o.regions());
        return new RelayInfo(id, TreeHarness.address(id), region, slots, null, null);
    }

    /** One-way delay of a pair, drawn once per pair from a hash: 5–20 ms in a region, 30–80 ms across. */
    static long pairDelay(long seed, String a, String ra, String b, String rb) {
        int ha = a.hashCode();
        int hb = b.hashCode();
        long h = seed ^ ((long) Math.min(ha, hb) << 32 | (Math.max(ha, hb) & 0xffffffffL));
        h = mix64(h);
        double u = (h >>> 11) * 0x1.0p-53;
        boolean same = ra != null && ra.equals(rb);
        double ms = same ? 5 + 15 * u : 30 + 50 * u;
        return (long) (ms * 1e6);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Water-filling: each relay gets viewers up to λ × slots minus its child relays, λ chosen so that all viewers
     * are placed (what least-loaded-first assignment converges to). Returns λ.
     */
    private static double spreadViewers(TreeHarness world, long viewers, Map<String, Integer> assigned) {
        List<Relay> live = world.liveRelays();
        if (viewers == 0 || live.isEmpty()) {
            return 0;
        }
        double lo = 0;
        double hi = 1;
        while (placed(live, hi) < viewers) {
            hi *= 2;
            if (hi > 1e9) {
                return Double.POSITIVE_INFINITY; // no relay has slots
            }
        }
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (placed(live, mid) >= viewers) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        long left = viewers;
        for (Relay r : live) {
            long v = Math.min(left, share(r, hi));
            left -= v;
            r.viewers((int) Math.min(Integer.MAX_VALUE, v));
            assigned.put(r.id(), (int) Math.min(Integer.MAX_VALUE, v));
        }
        return hi;
    }

    private static long placed(List<Relay> live, double lambda) {
        long sum = 0;
        for (Relay r : live) {
            sum += share(r, lambda);
        }
        return sum;
    }

    private static long share(Relay r, double lambda) {
        return Math.max(0, (long) Math.floor(lambda * r.info().slots()) - r.childCount());
    }

    private static Shape shape(TreeHarness world) {
        TreeMap<Integer, Integer> depths = new TreeMap<>();
        List<Relay> live = world.liveRelays();
        double[] fan = new double[live.size()];
        List<Double> parents = new ArrayList<>();
        int over = 0;
        int lost = 0;
        long depthSum = 0;
        int counted = 0;
        Map<String, Integer> memo = new HashMap<>();
        for (int i = 0; i < live.size(); i++) {
            Relay r = live.get(i);
            fan[i] = r.childCount();
            if (r.childCount() > 0) {
                parents.add((double) r.childCount());
            }
            if (r.childCount() > r.info().slots()) {
                over++;
            }
            int d = depthOf(world, r, memo);
            if (d < 0) {
                lost++;
            } else {
                depths.merge(d, 1, Integer::sum);
                depthSum += d;
                counted++;
            }
        }
        return new Shape(live.size(), depths, counted == 0 ? 0 : (double) depthSum / counted,
                depths.isEmpty() ? 0 : depths.lastKey(), Distribution.of(fan), Distribution.of(toArray(parents)),
                world.root().childCount(), over, lost);
    }

    /** Depth through live, linked relays, or -1 if the path to the root is cut. */
    private static int depthOf(TreeHarness world, Relay r, Map<String, Integer> memo) {
        List<Relay> path = new ArrayList<>();
        Relay x = r;
        int base;
        while (true) {
            if (x.isRoot()) {
                base = 0;
                break;
            }
            Integer known = memo.get(x.id());
            if (known != null) {
                base = known;
                break;
            }
            if (!x.alive() || x.agent().state() == RelayAgent.State.JOINING || path.size() > 10_000) {
                base = -1;
                break;
            }
            path.add(x);
            String p = x.agent().parentId();
            if (p == null) {
                base = -1;
                break;
            }
            x = p.equals(world.root().id()) ? world.root() : world.relay(p);
            if (x == null) {
                base = -1;
                break;
            }
        }
        for (int i = path.size() - 1; i >= 0; i--) {
            base = base < 0 ? -1 : base + 1;
            memo.put(path.get(i).id(), base);
        }
        return memo.getOrDefault(r.id(), base);
    }

    private static double[] toArray(List<Double> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
