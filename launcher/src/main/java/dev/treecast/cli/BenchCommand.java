package dev.treecast.cli;

import java.time.Duration;
import java.util.concurrent.Callable;

import dev.treecast.loadtest.bench.ThroughputBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Benchmarks, run on purpose (they print figures; they do not pass or fail). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Runs a benchmark and prints its figures. Available: throughput.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "throughput: relay forwarding vs a direct QUIC"
            + " connection, 1 and 10 subscribers.")
    String name;

    @Option(names = "--seconds", defaultValue = "10",
            description = "Measured seconds per scenario and window (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Override
    public Integer call() throws Exception {
        if (!name.equals("throughput")) {
            System.err.println("unknown benchmark '" + name + "'; available: throughput");
            return 2;
        }
        new ThroughputBenchmark(Duration.ofSeconds(3), Duration.ofSeconds(seconds), System.out).run();
        return 0;
    }
}
