package dev.treecast.cli;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.loadtest.viewer.NativeViewer;
import dev.treecast.media.BoxReader;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.tree.StaticTree;
import io.netty.channel.EventLoopGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The whole system in one process: ingest with the looping clip, a tree of relays, a few viewers. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs an ingest playing the built-in looping clip, a tree of relays under it and a few"
                + " built-in viewers, all in this process, and prints live figures once a second until Ctrl-C.")
final class DemoCommand implements Callable<Integer> {
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

    @Override
    public Integer call() throws Exception {
        try {
            StaticTree.of("ingest", levels);
        } catch (IllegalArgumentException e) {
            System.err.println("--relays " + levels + ": " + e.getMessage());
            return 2;
        }
        List<AutoCloseable> running = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            closeAll(running);
        }, "treecast-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Ingest ingest = new Ingest(new IngestConfig(RelayConfig.builder().nodeId("ingest")
                    .bind(new InetSocketAddress(bind, quicPort)).build(), new InetSocketAddress(bind, httpPort),
                    BoxReader.DEFAULT_MAX_BOX_SIZE));
            try {
                ingest.start();
            } catch (Exception e) {
                throw portInUse(e, "--http-port " + httpPort + " / --quic-port " + quicPort);
            }
            running.add(ingest);
            ingest.playDemoClip(broadcast);
            System.out.printf("ingest      QUIC %s   HTTP http://%s:%d   playing the built-in clip as '%s'%n",
                    ingest.quicAddress(), bind, ingest.httpAddress().getPort(), broadcast);

            // The shape is decided outside the relays: each only learns its parent's address.
            Map<String, Relay> byId = new HashMap<>();
            byId.put("ingest", ingest.root());
            List<Relay> relays = new ArrayList<>();
            List<Relay> leaves = new ArrayList<>();
            for (StaticTree.Placement place : StaticTree.of("ingest", levels)) {
                Relay parent = byId.get(place.parentId());
                Relay relay = new Relay(RelayConfig.builder().nodeId(place.nodeId())
                        .bind(new InetSocketAddress(bind, 0)).parent(parent.quicAddress()).build()).start();
                running.add(0, relay);
                byId.put(place.nodeId(), relay);
                relays.add(relay);
                if (place.level() == levels.size()) {
                    leaves.add(relay);
                }
                System.out.printf("%-11s QUIC %s   parent %s%n", place.nodeId(), relay.quicAddress(),
                        place.parentId());
            }

            List<NativeViewer> demoViewers = new ArrayList<>();
            if (viewers > 0) {
                EventLoopGroup viewerLoop = Transports.newGroup(1, "demo-viewers");
                running.add(0, () -> viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
                QuicClientEndpoint endpoint = QuicClientEndpoint.bind(viewerLoop.next(),
                        new InetSocketAddress(bind, 0), QuicSettings.DEFAULT, Alpn.TREECAST_1);
                running.add(0, endpoint);
                for (int i = 0; i < viewers; i++) {
                    Relay leaf = leaves.get(i % leaves.size());
                    NativeViewer viewer = new NativeViewer("viewer-" + (i + 1), broadcast, List.of("video", "audio"),
                            () -> System.currentTimeMillis() * 1000);
                    viewer.connect(endpoint, leaf.quicAddress());
                    running.add(0, viewer);
                    demoViewers.add(viewer);
                }
                System.out.printf("%d viewers (treecast/1 over QUIC) on the %d leaf relays%n", viewers,
                        leaves.size());
            }
            System.out.println("live figures every second; Ctrl-C stops");

            Figures figures = new Figures(ingest, relays, demoViewers);
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
                closeAll(running);
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
