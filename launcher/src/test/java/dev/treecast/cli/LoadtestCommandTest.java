package dev.treecast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code treecast loadtest}: a simulation given as a .java file runs, and its assertions make the exit code. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LoadtestCommandTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run treecast(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Treecast()).execute(args);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        Run run = new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println(run.out() + run.err());
        return run;
    }

    @Test
    void aFailedAssertionMakesExitCodeOneAndTheReportIsWrittenAnyway(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("Tiny.java");
        Files.writeString(source, """
                import static dev.treecast.loadtest.dsl.LoadDsl.*;
                import static java.time.Duration.ofSeconds;

                public class Tiny extends dev.treecast.loadtest.dsl.Simulation {
                    {
                        setUp(scenario("few").exec(watch("demo").forDuration(ofSeconds(3))
                                        .over(dev.treecast.loadtest.model.ViewerTransport.QUIC))
                                .injectOpen(atOnceUsers(3)))
                            .target(inProcessCluster().levels(1, 1))
                            .assertions(lostObjects().is(0), global().latency().max().lt(0));
                    }
                }
                """);
        Run run = treecast("loadtest", source.toString(), "--output", dir.resolve("out").toString(),
                "--console-every", "1");
        assertThat(run.out()).contains("global: count of lostObjects is 0 : true (actual : 0)")
                .containsPattern("global: max of latency \\(ms\\) is less than 0 : false \\(actual : [0-9.]+\\)");
        assertThat(run.exit()).isEqualTo(1);
        try (var runs = Files.list(dir.resolve("out"))) {
            Path report = runs.findFirst().orElseThrow().resolve("index.html");
            assertThat(report).isNotEmptyFile();
        }
    }

    @Test
    void anUnknownSimulationOrOneThatDoesNotCompileIsRefusedWithExitCodeTwo(@TempDir Path dir) throws Exception {
        Run unknown = treecast("loadtest", "NoSuchSimulation");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("no simulation class NoSuchSimulation").contains("Smoke");

        Path broken = dir.resolve("Broken.java");
        Files.writeString(broken, """
                import static dev.treecast.loadtest.dsl.LoadDsl.*;
                public class Broken extends dev.treecast.loadtest.dsl.Simulation {
                    { setUp(scenario("x").exec(watch("demo")).injectOpen(rampUsers(10))); }
                }
                """);
        Run invalid = treecast("loadtest", broken.toString());
        assertThat(invalid.exit()).isEqualTo(2);
        assertThat(invalid.err()).contains("does not compile");

        Run fleetChaos = treecast("loadtest", "Smoke", "--director", "http://127.0.0.1:9");
        assertThat(fleetChaos.exit()).isEqualTo(2);
        assertThat(fleetChaos.err()).contains("chaos steps need an in-process cluster");
    }
}
