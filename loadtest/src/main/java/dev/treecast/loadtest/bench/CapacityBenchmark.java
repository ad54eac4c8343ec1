package dev.treecast.loadtest.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import dev.treecast.loadtest.engine.Runner;
import dev.treecast.loadtest.model.Injection;
import dev.treecast.loadtest.model.Population;
import dev.treecast.loadtest.model.Reconnect;
import dev.treecast.loadtest.model.ScenarioSpec;
import dev.treecast.loadtest.model.SimulationSpec;
import dev.treecast.loadtest.model.Step;
import dev.treecast.loadtest.model.Target;
import dev.treecast.loadtest.model.ViewerTransport;
import dev.treecast.loadtest.report.Report;
import dev.treecast.loadtest.report.RunLog;

/**
 * How many viewers one relay holds on this machine without a stall, found by ramping, not by guessing: an
 * in-process ingest playing the demo clip, ONE relay (with its WebTransport gateway) and virtual viewers that
 * arrive at a steady rate and stay, all in this process. The relay has one thread, the viewers one thread (their
 * event loop), the ingest one more; the OS shares the machine's cores between them. Prints a line per 10 s
 * (viewers watching, latency, stalling viewers) and the answer: the most viewers watching before the first stall.
 */
public final class CapacityBenchmark {
    private final int maxViewers;
    private final Duration ramp;
    private final ViewerTransport transport;
    private final int viewerThreads;
    private final PrintStream out;

    public CapacityBenchmark(int maxViewers, Duration ramp, ViewerTransport transport, int viewerThreads,
                             PrintStream out) {
        this.maxViewers = maxViewers;
        this.ramp = ramp;
        this.transport = transport;
        this.viewerThreads = viewerThreads;
        this.out = out;
    }

    public void run() throws Exception {
        // Reconnecting only after 5 s of silence: a stall is what is looked for, and there is no other relay.
        Step.Watch watch = new Step.Watch("demo", "video", true, ramp.plusSeconds(20), transport,
                Duration.ofMillis(200), new Reconnect(true, Duration.ofSeconds(5), 1, Duration.ZERO));
        SimulationSpec spec = new SimulationSpec("Capacity", List.of(new Population.Open(
                new ScenarioSpec("ramp", List.of(watch)), List.of(new Injection.Ramp(maxViewers, ramp)))),
                new Target.InProcess(List.of(1), Target.Source.CLIP, 0, false, maxViewers * 2), List.of(), List.of(),
                ramp.plusSeconds(15));
        out.printf(Locale.ROOT, "capacity: ramping to %d %s viewers over %d s on one relay; %d viewer thread(s), %d"
                        + " cores%n", maxViewers, transport.name().toLowerCase(Locale.ROOT), ramp.toSeconds(),
                viewerThreads, Runtime.getRuntime().availableProcessors());
        Runner.Result result = new Runner(spec, new Runner.Settings(Path.of("target", "loadtest"), viewerThreads,
                Duration.ofSeconds(10), 1, out)).run();
        RunLog log = Report.read(result.directory().resolve("events.jsonl"));
        // The first stall or lost object, from the raw events (a short stall may begin and end between samples).
        long firstTrouble = Long.MAX_VALUE;
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : java.nio.file.Files.readAllLines(result.directory().resolve("events.jsonl"))) {
            com.fasterxml.jackson.databind.JsonNode e = json.readTree(line);
            String type = e.path("type").asText();
            if ("stall".equals(type) || ("interval".equals(type) && e.path("lost").asLong() > 0)) {
                firstTrouble = Math.min(firstTrouble, e.path("t").asLong());
            }
        }
        int best = 0;
        int atTrouble = 0;
        out.println();
        out.printf("%7s %8s %9s %9s %9s %8s%n", "t (s)", "viewers", "p50 ms", "p99 ms", "stalling", "lost");
        for (RunLog.Sample s : log.samples()) {
            if (s.t() % 10_000 < 1000) {
                out.printf(Locale.ROOT, "%7d %8d %9.1f %9.1f %9d %8d%n", s.t() / 1000, s.activeViewers(),
                        s.latencyP50Millis(), s.latencyP99Millis(), s.stallingViewers(), s.lost());
            }
            if (s.t() < firstTrouble) {
                best = Math.max(best, s.activeViewers());
            } else if (atTrouble == 0) {
                atTrouble = s.activeViewers();
            }
        }
        out.println();
        if (firstTrouble == Long.MAX_VALUE) {
            out.printf("no stall up to %d viewers: ramp further (--viewers)%n", best);
        } else {
            out.printf(Locale.ROOT, "most viewers with 0 stalls: %d; the first stall began at %.1f s, with about %d"
                    + " viewers watching%n", best, firstTrouble / 1000.0, atTrouble);
        }
        out.println("report: " + result.report().toAbsolutePath());
    }
}
