package dev.treecast.cli;

import java.net.BindException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.treecast.tree.StaticTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The whole system in one process: ingest with the looping clip, a tree of relays, a few viewers. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs an ingest playing the built-in looping clip, relays that join the self-building tree"
                + " under it (a WebTransport gateway on every leaf), and a few built-in viewers, all in this process;"
                + " prints the URL a browser opens, then live figures once a second until Ctrl-C.")
final class DemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE.yaml",
            description = "Read the settings from this YAML file: each key is one of these flags without its dashes"
                    + " ('treecast config demo' prints them all with their defaults); a flag given here wins.")
    java.nio.file.Path config;

    @Option(names = "--relays", split = ",", defaultValue = "2,4", paramLabel = "N[,N...]",
            description = "Relays per level of the tree, top first (default: ${DEFAULT-VALUE}).")
    List<Integer> levels;

    @Option(names = "--viewers", defaultValue = "4",
            description = "Built-in treecast/1 viewers spread over the leaf relays (default: ${DEFAULT-VALUE}).")
    int viewers;

    @Option(names = "--broadcast", defaultValue = "demo", description = "Broadcast name (default: ${DEFAULT-VALUE}).")
    String broadcast;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "Address every socket binds to; 0.0.0.0 to reach the demo from other machines"
                    + " (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--http-port", defaultValue = "8080", description = "Ingest HTTP port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--quic-port", defaultValue = "4433",
            description = "Ingest QUIC port, where the first level of relays connects (default: ${DEFAULT-VALUE}).")
    int quicPort;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Stop after this many seconds instead of at Ctrl-C.")
    Integer durationSeconds;

    @Option(names = "--advertise", paramLabel = "HOST",
            description = "Host name or address put in the URLs handed to browsers (default: the bind address).")
    String advertise;

    @Option(names = "--viewer-capacity", defaultValue = "500",
            description = "Browser viewers each leaf relay takes before the director sends new ones elsewhere"
                    + " (default: ${DEFAULT-VALUE}).")
    int viewerCapacity;

    @Option(names = "--kill-every", paramLabel = "SECONDS",
            description = "Chaos: kill a random relay this often (as kill -9 would), start a replacement, and print"
                    + " each repair with its duration.")
    Integer killEverySeconds;

    @Override
    public Integer call() throws Exception {
        if (config != null) {
            try {
                ConfigFile.apply(spec, config, ConfigFile.DemoFile.class);
            } catch (ConfigFile.Invalid e) {
                System.err.println("treecast demo: " + e.getMessage());
                return 2;
            }
        }
        try {
            StaticTree.of("ingest", levels);
        } catch (IllegalArgumentException e) {
            System.err.println("--relays " + levels + ": " + e.getMessage());
            return 2;
        }
        Demo.Options options = new Demo.Options(levels, viewers, broadcast, bind, advertise, httpPort, quicPort,
                viewerCapacity, killEverySeconds == null ? null : Duration.ofSeconds(killEverySeconds));
        CountDownLatch stop = new CountDownLatch(1);
        List<AutoCloseable> toClose = new ArrayList<>();
        Thread hook = new Thread(() -> {
            stop.countDown();
            closeAll(toClose);
        }, "treecast-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Demo demo = Demo.start(options, System.out);
            synchronized (toClose) {
                toClose.add(demo);
            }
            System.out.println("live figures every second; Ctrl-C stops");
            Figures figures = new Figures(demo.ingest(), demo::relays, demo::gateways, demo.viewers());
            long deadline = durationSeconds == null ? Long.MAX_VALUE
                    : System.nanoTime() + Duration.ofSeconds(durationSeconds).toNanos();
            while (!stop.await(1, TimeUnit.SECONDS)) {
                System.out.println(figures.line());
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            return 0;
        } finally {
            if (stop.getCount() > 0) {
                Runtime.getRuntime().removeShutdownHook(hook);
                closeAll(toClose);
            }
        }
    }

    /** Turns "address already in use" (NIO's BindException or epoll's native error) into advice. */
    static Exception portInUse(Exception e, String options) {
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof BindException || String.valueOf(cause.getMessage()).contains("in use")) {
                return new IllegalStateException("cannot bind (" + cause.getMessage() + "): is another Treecast"
                        + " running? Choose other ports with " + options, e);
            }
            cause = cause.getCause();
        }
        return e;
    }

    static void closeAll(List<AutoCloseable> running) {
        List<AutoCloseable> copy;
        synchronized (running) {
            copy = new ArrayList<>(running);
            running.clear();
        }
        for (AutoCloseable c : copy) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("while stopping: " + e);
            }
        }
    }
}
