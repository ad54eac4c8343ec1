package dev.treecast.cli;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One relay as its own process (one per machine in a real fleet). */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "Runs a relay under a parent (the ingest or another relay) and serves subscribers.")
final class RelayCommand implements Callable<Integer> {
    @Option(names = "--parent", required = true, converter = Converters.HostPort.class, paramLabel = "HOST:PORT",
            description = "QUIC address of the parent: the ingest's QUIC port or another relay's.")
    InetSocketAddress parent;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port", defaultValue = "4434",
            description = "QUIC port for subscribers and child relays (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--node-id", description = "Name in logs and metrics (default: relay-<host>-<port>).")
    String nodeId;

    @Override
    public Integer call() throws Exception {
        String id = nodeId != null ? nodeId
                : "relay-" + java.net.InetAddress.getLocalHost().getHostName() + "-" + port;
        Relay relay = new Relay(RelayConfig.builder().nodeId(id).bind(new InetSocketAddress(bind, port))
                .parent(parent).build());
        try {
            relay.start();
        } catch (Exception e) {
            throw DemoCommand.portInUse(e, "--port");
        }
        System.out.printf("relay '%s': QUIC %s, parent %s%n", id, relay.quicAddress(), parent);
        return runUntilTerminated(new ArrayList<>(List.of(relay)));
    }

    /** Blocks until SIGINT/SIGTERM, then closes {@code running} (in order) and returns 0. */
    static int runUntilTerminated(List<AutoCloseable> running) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DemoCommand.closeAll(running);
            stopped.countDown();
        }, "treecast-shutdown"));
        stopped.await();
        return 0;
    }
}
