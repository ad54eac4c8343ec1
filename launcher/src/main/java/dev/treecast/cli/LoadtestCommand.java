package dev.treecast.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import dev.treecast.loadtest.dsl.Simulation;
import dev.treecast.loadtest.engine.Runner;
import dev.treecast.loadtest.model.SimulationSpec;
import dev.treecast.loadtest.model.Target;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Runs a load-test simulation, writes its report, and exits 0 only when its assertions hold. */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
        description = {"Runs a simulation of live viewers (the Java DSL in dev.treecast.loadtest.dsl), with its chaos"
                + " steps, prints a live line every few seconds, then the summary and each assertion as"
                + " '<assertion> : true|false (actual : x)', and writes events.jsonl, index.html and summary.json"
                + " under --output.",
                "Exit code: 0 all assertions held, 1 an assertion failed, 2 the run could not be made."})
final class LoadtestCommand implements Callable<Integer> {
    private static final String BUNDLED = "dev.treecast.loadtest.simulations.";

    @Parameters(index = "0", paramLabel = "SIMULATION", description = {
            "A bundled simulation (Smoke: 50 viewers, ~30 s, one relay killed; MatchDay: ramp to 2,000 viewers with a"
                    + " relay killed every 20 s, ~3 min; Soak: 500 viewers for 10 min),",
            "a class name on the classpath, or a .java file extending dev.treecast.loadtest.dsl.Simulation (compiled"
                    + " here against Treecast's classes)."})
    String simulation;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "target/loadtest",
            description = "Where each run's directory is made (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--viewer-threads", paramLabel = "N",
            description = "Event loops the virtual viewers share (default: half the cores, at least 1).")
    Integer viewerThreads;

    @Option(names = "--console-every", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between live lines (default: ${DEFAULT-VALUE}).")
    int consoleEvery;

    @Option(names = "--seed", defaultValue = "1",
            description = "Seed for think times and chaos picks (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--director", paramLabel = "URL",
            description = "Run against an existing fleet: the ingest's HTTP base (e.g. http://ingest:8080), asked by"
                    + " WebTransport viewers for an edge. Replaces the simulation's target; chaos steps are refused.")
    URI director;

    @Option(names = "--relay", paramLabel = "HOST:PORT", split = ",", converter = Converters.HostPort.class,
            description = "Run against an existing fleet: relays' treecast/1 QUIC addresses for QUIC viewers.")
    List<InetSocketAddress> relays;

    @Option(names = "--reference", paramLabel = "HOST:PORT", converter = Converters.HostPort.class,
            description = "With --relay or --director: the ingest's treecast/1 QUIC address; a subscriber there"
                    + " records every group published, so that whole groups a viewer never got count as lost.")
    InetSocketAddress reference;

    @Override
    public Integer call() {
        SimulationSpec spec;
        try {
            spec = load(simulation).spec();
            if (reference != null && director == null && relays == null) {
                throw new IllegalArgumentException("--reference needs --relay or --director");
            }
            if (director != null || relays != null) {
                spec = new SimulationSpec(spec.name(), spec.populations(),
                        new Target.Fleet(director, relays == null ? List.of() : relays, reference),
                        spec.chaos(), spec.assertions(), spec.maxDuration());
            }
        } catch (IllegalArgumentException | IllegalStateException | ReflectiveOperationException | IOException e) {
            System.err.println("loadtest " + simulation + ": " + e.getMessage());
            return 2;
        }
        Runner.Settings defaults = Runner.Settings.defaults(System.out);
        Runner.Settings settings = new Runner.Settings(output,
                viewerThreads == null ? defaults.viewerThreads() : viewerThreads, Duration.ofSeconds(consoleEvery),
                seed, System.out);
        try {
            return new Runner(spec, settings).run().exitCode();
        } catch (Exception e) {
            System.err.println("loadtest " + spec.name() + " failed: " + e);
            return 2;
        }
    }

    /** A bundled name, a class name, or a .java file compiled against this jar. */
    static Simulation load(String name) throws ReflectiveOperationException, IOException {
        Class<?> type;
        if (name.endsWith(".java")) {
            type = compile(Path.of(name));
        } else {
            try {
                type = Class.forName(name.contains(".") ? name : BUNDLED + name);
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("no simulation class " + name + " (bundled: Smoke, MatchDay, Soak;"
                        + " or give a class name on the classpath, or a .java file)");
            }
        }
        if (!Simulation.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(type.getName() + " does not extend " + Simulation.class.getName());
        }
        return (Simulation) type.getDeclaredConstructor().newInstance();
    }

    private static Class<?> compile(Path source) throws IOException, ClassNotFoundException {
        if (!Files.isRegularFile(source)) {
            throw new IllegalArgumentException("no such file: " + source);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("compiling " + source + " needs a JDK, not a JRE");
        }
        Path classes = Files.createTempDirectory("treecast-simulation");
        classes.toFile().deleteOnExit();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                "-proc:none", source.toString());
        if (rc != 0) {
            throw new IllegalArgumentException("does not compile (errors above)");
        }
        String simple = source.getFileName().toString().replaceFirst("\\.java$", "");
        String pkg = Files.readAllLines(source).stream().map(String::strip).filter(l -> l.startsWith("package "))
                .map(l -> l.substring(8).replace(";", "").strip() + ".").findFirst().orElse("");
        URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                LoadtestCommand.class.getClassLoader());
        return Class.forName(pkg + simple, true, loader);
    }

}
