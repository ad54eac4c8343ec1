package dev.treecast.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


/**
 * A real tree on several "hosts": network namespaces joined by veth links to a switch namespace, each host running
 * the real {@code treecast} jar as a process of its own: the ingest, three relays that join through its tree
 * controller (two under the ingest, the third under one of them), and the load tester's six viewers, spread over the
 * level-2 relay and the level-1 relay that is not its parent, with a reference subscriber on the ingest so that any
 * object published and not received counts as lost. Every link delays and drops packets (see {@link #IMPAIRED}); ten
 * seconds into playback the link of the level-2 relay's parent is pulled ({@code ip link set ... down}): that relay
 * must repair to the other level-1 relay and no viewer may lose an object; the p99 latency of the flowing stream must
 * stay within the path's budget, and that of the whole run (the repair's catch-up included) within the viewers' 1.5 s
 * latency budget. The same run without impairment gives the baseline; both rows are printed side by side. (A viewer
 * whose own relay vanishes fails over by itself: LoadtestRunTest covers that in-process.)
 *
 * <p>Needs root, iproute2 and a TUN device (skipped otherwise, failed instead with TREECAST_REQUIRE_NETNS=1, as
 * in CI), JDK 22+ for the delay line, and launcher/target/treecast.jar ({@code mvn verify} packages it before
 * this module's tests run). Netem is not used because the build machines' kernels lack it
 * (CONFIG_NET_SCH_NETEM unset): {@code DelayLine} does the same job in the switch namespace.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MultiHostTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HOSTS = List.of("ingest", "relay1", "relay2", "relay3", "viewers");
    private static final List<String> LEVEL_ONE = List.of("relay1", "relay2");
    private static final int VIEWERS = 6;
    private static final int WATCH_SECONDS = 25;
    private static final int CUT_AFTER_SECONDS = 10;
    /** What a relay lets a viewer fall behind before it skips a group (RelayConfig's default budget). */
    private static final long VIEWER_LATENCY_BUDGET_MILLIS = 1500;
    private static final int OBJECTS_PER_SECOND = 30; // the ingest's synthetic source
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path JAR = ROOT.resolveSibling("launcher").resolve("target/treecast.jar");
    private static final Path DELAY_LINE = ROOT.resolve("src/test/delayline/DelayLine.java");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Duration START = Duration.ofSeconds(60);

    /**
     * Each host's link: one-way delay per crossing (mean and deviation, ms) and loss per crossing. A packet crosses
     * two links (its sender's and its receiver's), so every hop between two hosts is 22-33 ms one way, with ~4 ms
     * of jitter and 1.5 % loss: netem's "delay 30ms 5ms distribution normal loss 1.5%" for a hop.
     */
    private static final Map<String, double[]> IMPAIRED = new LinkedHashMap<>();

    static {
        IMPAIRED.put("ingest", new double[] {10, 3, 0.0075});
        IMPAIRED.put("relay1", new double[] {12, 3, 0.0075});
        IMPAIRED.put("relay2", new double[] {15, 3, 0.0075});
        IMPAIRED.put("relay3", new double[] {18, 3, 0.0075});
        IMPAIRED.put("viewers", new double[] {12, 3, 0.0075});
    }

    /** One run's figures. */
    record Row(String mode, long objects, long lost, long duplicates, long failedViewers, long stalls,
               double p50, double p95, double p99, double max, String victim, String newParent,
               long repairLoggedMillis, long cutToAttachedMillis, double reconnectP50, double reconnectMax,
               double linkLossPercent, double addedDelayMillis, long budgetMillis, long falseAlarms,
               double steadyP99) {
    }

    @BeforeAll
    static void canBuildHosts() throws Exception {
        String missing = null;
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            missing = "network namespaces are Linux only";
        } else if (Runtime.version().feature() < 22) {
            missing = "the delay line needs JDK 22+ (the foreign-function API, for /dev/net/tun); this is "
                    + Runtime.version();
        } else if (!Files.isRegularFile(JAR)) {
            missing = JAR + " is missing: run `mvn verify` (it packages the launcher before this module's tests)";
        } else {
            String probe = "tc-" + suffix() + "-probe";
            try {
                Topology.run(List.of("ip", "netns", "add", probe));
                try {
                    Topology.run(List.of("ip", "-n", probe, "tuntap", "add", "dev", "tun0", "mode", "tun"));
                } finally {
                    Topology.run(List.of("ip", "netns", "del", probe));
                }
            } catch (IOException e) {
                missing = "cannot make network namespaces with a TUN device here (needs root and iproute2): "
                        + e.getMessage();
            }
        }
        if (missing != null) {
            if ("1".equals(System.getenv("TREECAST_REQUIRE_NETNS"))) {
                Assertions.fail("TREECAST_REQUIRE_NETNS=1 but " + missing);
            }
            Assumptions.abort(missing);
        }
    }

    @Test
    void viewersLoseNothingWhenARelaysLinkIsCutOnADelayedLossyNetwork() throws Exception {
        String suffix = suffix();
        Row off = run("tc-" + suffix + "o", false);
        Row on = run("tc-" + suffix + "n", true);
        String table = table(List.of(off, on));
        System.out.println(table);
        Files.writeString(ROOT.resolve("target/systemtest/multihost.txt"), table, StandardCharsets.UTF_8);

        for (Row row : List.of(off, on)) {
            assertThat(row.lost()).as(row.mode() + ": objects lost (against the ingest's reference)").isZero();
            assertThat(row.steadyP99()).as(row.mode() + ": p99 latency (ms) of the flowing stream within the budget")
                    .isLessThanOrEqualTo(row.budgetMillis());
            assertThat(row.p99()).as(row.mode() + ": p99 latency (ms) over the whole run, the repair included")
                    .isLessThanOrEqualTo(VIEWER_LATENCY_BUDGET_MILLIS);
            assertThat(row.failedViewers()).as(row.mode() + ": viewers that gave up").isZero();
            assertThat(row.duplicates()).as(row.mode() + ": objects received twice").isZero();
            assertThat(row.objects()).as(row.mode() + ": objects delivered (viewers kept playing)")
                    .isGreaterThanOrEqualTo((long) (0.9 * VIEWERS * OBJECTS_PER_SECOND * WATCH_SECONDS));
            // Repaired below a live relay: the other level-1 relay, or the ingest when that attempt was given up.
            assertThat(row.newParent()).as(row.mode() + ": relay3's parent after " + row.victim() + " was cut")
                    .isIn(LEVEL_ONE.get(1 - LEVEL_ONE.indexOf(row.victim())), "ingest");
        }
        // The emulation itself: every packet crossed two impaired links, and the viewers saw the delay.
        assertThat(on.linkLossPercent()).as("packets the delay line dropped (%)").isBetween(1.0, 2.0);
        assertThat(on.addedDelayMillis()).as("mean delay the delay line added (ms)").isGreaterThan(20);
        assertThat(off.linkLossPercent()).isZero();
        assertThat(off.addedDelayMillis()).isLessThan(1);
        assertThat(on.p50() - off.p50()).as("median latency added by the impaired path (ms)")
                .isGreaterThanOrEqualTo(shortestViewerPathMillis() - 10);
    }

    // ------------------------------------------------------------------------------------------------ one run

    private Row run(String prefix, boolean impaired) throws Exception {
        String mode = impaired ? "netem on" : "netem off";
        Path dir = ROOT.resolve("target/systemtest").resolve(prefix);
        List<HostProcess> processes = new ArrayList<>();
        HostProcess delayLine = null;
        try (Topology net = Topology.create(prefix, HOSTS)) {
            try {
                delayLine = start(processes, net, dir, "delayline", null, delayLineCommand(net, impaired));
                delayLine.await("delayline ready", START);

                String ingest = net.address("ingest");
                HostProcess ingestProcess = start(processes, net, dir, "ingest", "ingest", treecast("ingest",
                        "--bind", ingest, "--advertise", ingest, "--synthetic", "live", "--bitrate", "1000k",
                        "--root-slots", "2", "--signing-key", dir.resolve("ingest-key.pem").toString()));
                ingestProcess.await("relays connect to QUIC", START);
                // Two relays with two child slots each fill the ingest's two; the third has none, so the
                // controller puts it under one of them and never lifts it above.
                List<HostProcess> relays = new ArrayList<>();
                for (String relay : LEVEL_ONE) {
                    relays.add(start(processes, net, dir, relay, relay, relayCommand(net, relay, 10)));
                    relays.getLast().await(relay + ": placed under ingest", START);
                }
                HostProcess relay3 = start(processes, net, dir, "relay3", "relay3", relayCommand(net, "relay3", 0));
                relays.add(relay3);
                relay3.await("relay3: placed under (relay[12]) ", START);
                relay3.await("relay3: attached to relay[12]", START);
                // Viewers on relay3 (below the cut) and on the other level-1 relay: the cut must not cost the
                // viewers under the cut relay a frame, which is the tree's repair, not a viewer's own failover.
                String planned = currentParent(relay3.output());
                List<String> viewerRelays = List.of(LEVEL_ONE.get(1 - LEVEL_ONE.indexOf(planned)), "relay3");

                Path simulation = writeSimulation(net, dir, viewerRelays);
                HostProcess viewers = start(processes, net, dir, "viewers", "viewers", treecast("loadtest",
                        simulation.toString(), "--output", dir.resolve("loadtest").toString(),
                        "--viewer-threads", "1", "--console-every", "5"));
                Path events = awaitEventLog(dir.resolve("loadtest"), viewers);
                HostProcess.poll(VIEWERS + " viewers playing", START, () -> count(events, "firstFrame") >= VIEWERS,
                        viewers::tail);
                // Mid-stream: the scenario plays for a while before the link goes.
                TimeUnit.SECONDS.sleep(CUT_AFTER_SECONDS);
                // The cable to pull: that of relay3's parent now (the controller may have moved it meanwhile).
                String[] parent = new String[1];
                HostProcess.poll("relay3 under a level-1 relay", Duration.ofSeconds(20), () -> {
                    parent[0] = currentParent(relay3.output());
                    return LEVEL_ONE.contains(parent[0]);
                }, () -> "relay3 is under " + parent[0]);
                String victim = parent[0];
                // Parents declared dead while alive, before anything was cut: how starved this machine left them.
                long falseAlarms = relays.stream().mapToLong(r -> occurrences(r.output(), ": repaired: lost ")).sum();
                int before = relay3.printed();
                long cutEpochMillis = System.currentTimeMillis();
                net.cut(victim);
                Matcher repaired = relay3.await("(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) \\S+ INFO \\S+ - relay3: repaired: lost "
                        + victim + ", now under (\\S+) after (\\d+) ms", Duration.ofSeconds(20), before);
                long attachedEpochMillis = epochMillisOfLogTime(repaired.group(1), cutEpochMillis);

                assertThat(viewers.waitFor(Duration.ofSeconds(WATCH_SECONDS + 40)))
                        .as("the load test ends by itself").isTrue();
                delayLine.stop(Duration.ofSeconds(10));
                Matcher link = delayLine.await("forwarded (\\d+), lost (\\d+) \\(([0-9.]+) %\\), foreign (\\d+),"
                        + " mean added delay ([0-9.]+) ms", Duration.ofSeconds(5));

                JsonNode summary = JSON.readTree(events.resolveSibling("summary.json").toFile());
                Histogram latency = latency(events, 0, Long.MAX_VALUE);
                long startEpoch = lines(events).getFirst().path("startEpochMillis").asLong();
                long playing = lines(events).stream().filter(n -> "firstFrame".equals(n.path("type").asText()))
                        .mapToLong(n -> n.path("t").asLong()).max().orElse(0);
                // From 2 s after the last viewer's first frame (its join catch-up is over) to the cut.
                Histogram steady = latency(events, playing + 2_000, cutEpochMillis - startEpoch);
                long budget = budgetMillis(impaired, victim);
                return new Row(mode, summary.path("objects").asLong(), summary.path("lostObjects").asLong(),
                        summary.path("duplicateObjects").asLong(), summary.path("viewers").path("failed").asLong(),
                        summary.path("stalls").path("count").asLong(),
                        ms(latency, 50), ms(latency, 95), ms(latency, 99), latency.getMaxValue() / 1000.0,
                        victim, repaired.group(2), Long.parseLong(repaired.group(3)),
                        attachedEpochMillis - cutEpochMillis,
                        summary.path("reconnect").path("p50").asDouble(Double.NaN),
                        summary.path("reconnect").path("max").asDouble(Double.NaN),
                        Double.parseDouble(link.group(3)), Double.parseDouble(link.group(5)), budget, falseAlarms,
                        ms(steady, 99));
            } finally {
                for (HostProcess p : processes) {
                    p.close();
                }
                // Topology.close() then deletes the namespaces.
            }
        } catch (AssertionError | Exception e) {
            throw new AssertionError(mode + " run failed; process logs in " + dir + ": " + e.getMessage(), e);
        } finally {
            List<String> left = Topology.existing().stream().filter(ns -> ns.startsWith(prefix + "-")).toList();
            assertThat(left).as("namespaces left behind by the " + mode + " run").isEmpty();
        }
    }

    private static HostProcess start(List<HostProcess> processes, Topology net, Path dir, String name, String host,
                                     List<String> command) throws IOException {
        String ns = host == null ? net.switchNamespace() : net.namespace(host);
        HostProcess p = HostProcess.start(name, ns, dir, command);
        processes.add(p);
        return p;
    }

    private static List<String> delayLineCommand(Topology net, boolean impaired) {
        List<String> command = new ArrayList<>();
        // Every thread of its JVM in the real-time class (the GC and safepoint threads too, which its packet threads
        // wait for): on a machine with more runnable threads than cores it must not stall every link at once.
        if (Files.isExecutable(Path.of("/usr/bin/chrt"))) {
            command.addAll(List.of("/usr/bin/chrt", "--fifo", "10"));
        }
        command.addAll(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m", "-cp",
                ROOT.resolve("target/test-classes").toString(),
                DELAY_LINE.toString(), "--tun", Topology.TUN, "--seed", "7"));
        if (impaired) {
            for (Map.Entry<String, double[]> e : IMPAIRED.entrySet()) {
                double[] v = e.getValue();
                command.add("--link");
                command.add(new Impairment.Link(net.link(e.getKey()), v[0], v[1], v[2]).format());
            }
        }
        return command;
    }

    private static List<String> treecast(String... args) {
        // Short-lived JVMs on two shared cores: C1 alone compiles what they need at a fraction of C2's start-up CPU.
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx384m", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** A relay bound to its host's address only, joining through the ingest's controller. */
    private static List<String> relayCommand(Topology net, String relay, int capacityMbps) {
        String address = net.address(relay);
        return treecast("relay", "--join", net.address("ingest") + ":4433", "--bind", address, "--advertise", address,
                "--node-id", relay, "--capacity-mbps", Integer.toString(capacityMbps), "--stream-mbps", "5",
                "--margin", "0", "--webtransport-port", "0"); // the viewers come over QUIC: no browser edge
    }

    /**
     * The viewers' simulation: QUIC viewers on two relays, the reference on the ingest. A viewer leaves a relay
     * silent for 1 s (the load tester's default is 500 ms): over the impaired links relay3 needs ~300 ms to declare
     * its parent dead and ~300 ms to repair, and the test is about the tree's repair under its viewers; with 500 ms
     * they left relay3 first, and a viewer handshake that lost a packet then cost them a second more.
     */
    private static Path writeSimulation(Topology net, Path dir, List<String> relays) throws IOException {
        String source = """
                import static dev.treecast.loadtest.dsl.LoadDsl.*;
                import static java.time.Duration.ofSeconds;

                import dev.treecast.loadtest.model.ViewerTransport;

                public class MultiHostViewers extends dev.treecast.loadtest.dsl.Simulation {
                    {
                        setUp(scenario("viewers").exec(watch("live").forDuration(ofSeconds(%d)).withoutAudio()
                                        .over(ViewerTransport.QUIC).reconnectAfterSilence(ofSeconds(1)))
                                .injectOpen(atOnceUsers(%d)))
                            .target(fleet().relays("%s:4434", "%s:4434").reference("%s:4433"))
                            .assertions(lostObjects().is(0), duplicateObjects().is(0), failedViewers().is(0));
                    }
                }
                """.formatted(WATCH_SECONDS, VIEWERS, net.address(relays.get(0)), net.address(relays.get(1)),
                net.address("ingest"));
        Path file = dir.resolve("MultiHostViewers.java");
        Files.writeString(file, source, StandardCharsets.UTF_8);
        return file;
    }

    // ------------------------------------------------------------------------------------------------ budget

    /**
     * The p99 latency a viewer may see, from the path: the deepest viewer path's one-way delay (ingest → level 1 →
     * relay3 → viewers, after the repair through the slower level-1 relay) plus three standard deviations of its
     * jitter, plus two round trips of the slowest hop for a loss to be noticed and retransmitted (QUIC detects a
     * loss by a later acknowledgement, or its probe timeout for a tail loss), plus 100 ms for the processes on
     * this shared 2-core machine. Without impairment only the 100 ms remain.
     */
    private static long budgetMillis(boolean impaired, String victim) {
        if (!impaired) {
            return 100;
        }
        double deepest = 0;
        double variance = 0;
        for (String level1 : LEVEL_ONE) {
            double path = hop("ingest", level1) + hop(level1, "relay3") + hop("relay3", "viewers");
            if (path > deepest) {
                deepest = path;
                // Crossings: the ingest's and the viewers' links once, the two relays' links twice each.
                variance = sq(IMPAIRED.get("ingest")[1]) + 2 * sq(IMPAIRED.get(level1)[1])
                        + 2 * sq(IMPAIRED.get("relay3")[1]) + sq(IMPAIRED.get("viewers")[1]);
            }
        }
        double slowestRoundTrip = 0;
        for (String a : HOSTS) {
            for (String b : HOSTS) {
                if (!a.equals(b)) {
                    slowestRoundTrip = Math.max(slowestRoundTrip, 2 * hop(a, b));
                }
            }
        }
        return Math.round(deepest + 3 * Math.sqrt(variance) + 2 * slowestRoundTrip + 100);
    }

    /** The mean one-way delay of the hop between two hosts: one crossing of each link. */
    private static double hop(String a, String b) {
        return IMPAIRED.get(a)[0] + IMPAIRED.get(b)[0];
    }

    /** The shortest path any viewer is on (through a level-1 relay): what impairment adds to the median at least. */
    private static double shortestViewerPathMillis() {
        double shortest = Double.MAX_VALUE;
        for (String level1 : LEVEL_ONE) {
            shortest = Math.min(shortest, hop("ingest", level1) + hop(level1, "viewers"));
        }
        return shortest;
    }

    private static double sq(double x) {
        return x * x;
    }

    // ------------------------------------------------------------------------------------------------ reading

    private static Path awaitEventLog(Path output, HostProcess viewers) {
        Path[] found = new Path[1];
        HostProcess.poll("the load test's event log under " + output, START, () -> {
            if (!viewers.isAlive()) {
                throw new AssertionError("the load test exited (" + viewers.exitValue() + "):\n" + viewers.tail());
            }
            try (Stream<Path> dirs = Files.list(output)) {
                found[0] = dirs.map(d -> d.resolve("events.jsonl")).filter(Files::isRegularFile).findFirst()
                        .orElse(null);
            } catch (IOException e) {
                return false;
            }
            return found[0] != null;
        }, viewers::tail);
        return found[0];
    }

    /** Events of a type so far (the log is being written: a torn last line is not counted). */
    private static long count(Path events, String type) {
        String marker = "{\"type\":\"" + type + "\"";
        try (Stream<String> lines = Files.lines(events, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.startsWith(marker) && l.endsWith("}")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static List<JsonNode> lines(Path events) {
        List<JsonNode> nodes = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
                try {
                    nodes.add(JSON.readTree(line));
                } catch (IOException torn) {
                    // the line being written
                }
            }
        } catch (IOException e) {
            return nodes;
        }
        return nodes;
    }

    /** Every object's latency in the run: the sum of the per-second histograms the viewers logged. */
    /** The viewers' latency in the load tester's one-second intervals ending in [fromT, toT) (ms of its run). */
    private static Histogram latency(Path events, long fromT, long toT) {
        Histogram all = new Histogram(3);
        for (JsonNode n : lines(events)) {
            long t = n.path("t").asLong();
            if ("interval".equals(n.path("type").asText()) && n.hasNonNull("latency") && t >= fromT && t < toT) {
                byte[] bytes = Base64.getDecoder().decode(n.get("latency").asText());
                try {
                    all.add(Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0));
                } catch (java.util.zip.DataFormatException e) {
                    throw new AssertionError("bad latency histogram in " + events, e);
                }
            }
        }
        return all;
    }

    /** A relay's parent as its log last said: the last parent it attached to (a move attaches before it leaves). */
    static String currentParent(String log) {
        Matcher m = java.util.regex.Pattern.compile(": attached to (\\S+) \\(").matcher(log);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    private static long occurrences(String text, String what) {
        long n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** A log line's time of day (the processes share this machine's clock and zone) as epoch millis near {@code near}. */
    private static long epochMillisOfLogTime(String timeOfDay, long nearEpochMillis) {
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        java.time.LocalDate day = java.time.Instant.ofEpochMilli(nearEpochMillis).atZone(zone).toLocalDate();
        long best = 0;
        for (int d = -1; d <= 1; d++) {
            long t = LocalTime.parse(timeOfDay).atDate(day.plusDays(d)).atZone(zone).toInstant().toEpochMilli();
            if (best == 0 || Math.abs(t - nearEpochMillis) < Math.abs(best - nearEpochMillis)) {
                best = t;
            }
        }
        return best;
    }

    private static String table(List<Row> rows) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%n%-9s | %7s %4s %4s %6s %6s | %-31s | %7s %7s %7s %7s %6s %6s | %-26s | %-17s | %s%n",
                "multihost", "objects", "lost", "dup", "failed", "stalls", "cut -> relay3 under (repair ms)",
                "p50", "p95", "p99", "max", "p99 before cut", "budget", "viewer reconnects", "links: lost, delay",
                "false alarms before the cut"));
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT,
                    "%-9s | %7d %4d %4d %6d %6d | %-6s -> %-6s %4d (logged %3d) | %7.1f %7.1f %7.1f %7.1f %6.1f %6d"
                            + " | p50 %6.0f, max %6.0f ms  | %5.2f %%, %5.1f ms | %d%n",
                    r.mode(), r.objects(), r.lost(), r.duplicates(), r.failedViewers(), r.stalls(), r.victim(),
                    r.newParent(), r.cutToAttachedMillis(), r.repairLoggedMillis(), r.p50(), r.p95(), r.p99(),
                    r.max(), r.steadyP99(), r.budgetMillis(), r.reconnectP50(), r.reconnectMax(), r.linkLossPercent(),
                    r.addedDelayMillis(), r.falseAlarms()));
        }
        return s.toString();
    }

    private static String suffix() {
        return Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);
    }
}
