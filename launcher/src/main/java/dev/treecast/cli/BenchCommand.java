package dev.treecast.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import dev.treecast.loadtest.bench.CapacityBenchmark;
import dev.treecast.loadtest.bench.CapacityBenchmark;
import dev.treecast.loadtest.bench.EdgeBenchmark;
import dev.treecast.loadtest.bench.HopLatencyBenchmark;
import dev.treecast.loadtest.bench.HopLatencyBenchmark;
import dev.treecast.loadtest.bench.RepairBenchmark;
import dev.treecast.loadtest.bench.SignatureBenchmark;
import dev.treecast.loadtest.bench.ThroughputBenchmark;
import dev.treecast.loadtest.model.ViewerTransport;
import dev.treecast.loadtest.model.ViewerTransport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Benchmarks, run on purpose (they print figures; they do not pass or fail). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Runs a benchmark and prints its figures. Available: throughput, edge, repair, signature, capacity, hops.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = {
            "throughput: relay forwarding vs a direct QUIC connection, 1 and 10 subscribers (~1 min).",
            "edge: one relay with its WebTransport gateway, fed by an ingest playing the demo clip (~0.8 Mbit/s),"
                    + " serving N viewers in this process over WebTransport and over raw treecast/1 QUIC: delivered"
                    + " Mbit/s, the relay loop's CPU share, heap per viewer, objects on time, latency p50/p99"
                    + " (~6 min with the defaults).",
            "repair: the self-building tree (12 relays joined through the controller) under --kills crashes of a"
                    + " relay that feeds others: kill -> first object from the new parent p50/p99/max, and the"
                    + " objects viewers lost (~2 min).",
            "capacity: the most viewers one relay holds without a stall on this machine, found by ramping virtual"
                    + " viewers (one thread) onto one relay (one thread) fed the demo clip: --viewers N (one value,"
                    + " default 3000) over --seconds S (default 240), --transports quic|webtransport (~5 min).",
            "hops: the latency each relay level adds in a 3-level chain built by the controller, one observer per"
                    + " level on one thread: p50/p99/max per hop (--seconds, default 30; --viewers N load viewers on"
                    + " the last relay, one value).",
            "signature: what signing an object costs the ingest and verifying it costs a relay (Ed25519 + SHA-256),"
                    + " per payload size, on one thread (~1 min with the defaults: --warmup 2 --seconds 3)."})
    String name;

    @Option(names = "--kills", paramLabel = "N", defaultValue = "50",
            description = "repair: how many relays to crash, one after the other (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--seconds", paramLabel = "S",
            description = "Measured seconds per scenario (throughput: per window, default 10; edge: per cell,"
                    + " default 15).")
    Integer seconds;

    @Option(names = "--warmup", paramLabel = "S",
            description = "Warm-up seconds before each measurement (throughput: default 3; edge: after every viewer"
                    + " has joined, default 10).")
    Integer warmup;

    @Option(names = "--viewers", split = ",", paramLabel = "N", defaultValue = "100,500,1000",
            description = "edge: viewer counts, one row each (default: ${DEFAULT-VALUE}).")
    List<Integer> viewers;

    @Option(names = "--transports", split = ",", paramLabel = "T", defaultValue = "quic,webtransport",
            description = "edge: transports measured at each count, quic and/or webtransport (default:"
                    + " ${DEFAULT-VALUE}).")
    List<EdgeBenchmark.Transport> transports;

    @Option(names = "--viewer-loops", paramLabel = "N", defaultValue = "2",
            description = "edge: event loops (threads, one UDP socket each) the viewers share (default:"
                    + " ${DEFAULT-VALUE}).")
    int viewerLoops;

    @Option(names = "--on-time", paramLabel = "MS", defaultValue = "200",
            description = "edge: an object is on time if it arrives within this many milliseconds of its ingest"
                    + " timestamp (default: ${DEFAULT-VALUE}).")
    int onTimeMillis;

    @Override
    public Integer call() throws Exception {
        switch (name) {
            case "throughput" -> new ThroughputBenchmark(Duration.ofSeconds(warmup == null ? 3 : warmup),
                    Duration.ofSeconds(seconds == null ? 10 : seconds), System.out).run();
            case "edge" -> {
                EdgeBenchmark.Settings settings;
                try {
                    settings = new EdgeBenchmark.Settings(viewers, transports,
                            Duration.ofSeconds(warmup == null ? 10 : warmup),
                            Duration.ofSeconds(seconds == null ? 15 : seconds), viewerLoops,
                            Duration.ofMillis(onTimeMillis));
                } catch (IllegalArgumentException e) {
                    System.err.println("bench edge: " + e.getMessage());
                    return 2;
                }
                // Thousands of sessions starting and ending: keep lifecycle logs out of the table unless asked for.
                if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
                    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
                }
                new EdgeBenchmark(settings, System.out).run();
            }
            case "signature" -> new SignatureBenchmark(Duration.ofSeconds(warmup == null ? 2 : warmup),
                    Duration.ofSeconds(seconds == null ? 3 : seconds), System.out).run();
            case "repair" -> {
                if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
                    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
                }
                new RepairBenchmark(kills, 12, System.out).run();
            }
            case "capacity" -> {
                quiet();
                new CapacityBenchmark(viewers.size() == 1 ? viewers.get(0) : 3000,
                        Duration.ofSeconds(seconds == null ? 240 : seconds),
                        transports.size() == 1 ? transports.get(0).viewerTransport() : ViewerTransport.WEBTRANSPORT,
                        1, System.out).run();
            }
            case "hops" -> {
                quiet();
                new HopLatencyBenchmark(Duration.ofSeconds(seconds == null ? 30 : seconds),
                        viewers.size() == 1 ? viewers.get(0) : 0, 2_500_000, System.out).run();
            }
            default -> {
                System.err.println("unknown benchmark '" + name + "'; available: throughput, edge, repair, signature, capacity, hops");
                return 2;
            }
        }
        return 0;
    }

    /** Thousands of sessions starting and ending: keep lifecycle logs out of the figures unless asked for. */
    private static void quiet() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }
}
