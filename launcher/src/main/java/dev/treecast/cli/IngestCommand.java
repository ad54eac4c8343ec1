package dev.treecast.cli;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.media.BoxReader;
import dev.treecast.relay.RelayConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The ingest as its own process: root of the tree, fed by encoders over HTTP. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Runs the ingest: the root of the relay tree and its controller. Encoders upload live CMAF"
                + " with PUT http://HOST:HTTP_PORT/ingest/<broadcast>; relays join at QUIC_PORT; browsers open"
                + " http://HOST:HTTP_PORT/watch/<broadcast> and the director sends them to a relay.")
final class IngestCommand implements Callable<Integer> {
    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--quic-port", defaultValue = "4433",
            description = "QUIC port relays connect to (default: ${DEFAULT-VALUE}).")
    int quicPort;

    @Option(names = "--http-port", defaultValue = "8080",
            description = "HTTP port for uploads and the API (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--node-id", defaultValue = "ingest", description = "Name in logs and metrics.")
    String nodeId;

    @Option(names = "--clip", paramLabel = "BROADCAST",
            description = "Also play the built-in looping clip as this broadcast.")
    String clip;

    @Option(names = "--synthetic", paramLabel = "BROADCAST",
            description = "Also publish a synthetic stream (for load tests) as this broadcast.")
    String synthetic;

    @Option(names = "--bitrate", defaultValue = "2500k", converter = Converters.Bitrate.class,
            description = "Bitrate of --synthetic, e.g. 2500k or 6M (default: ${DEFAULT-VALUE}).")
    long bitrate;

    @Option(names = "--root-slots", defaultValue = "4",
            description = "Relays the ingest feeds itself; the tree controller places the others below them"
                    + " (default: ${DEFAULT-VALUE}).")
    int rootSlots;

    @Option(names = "--viewer-capacity", defaultValue = "1000",
            description = "Browser viewers the director sends to one relay at most (default: ${DEFAULT-VALUE}).")
    int viewerCapacity;

    @Option(names = "--advertise", paramLabel = "HOST",
            description = "Host relays use to reach the ingest (default: the bind address, or 127.0.0.1 for 0.0.0.0).")
    String advertise;

    @Override
    public Integer call() throws Exception {
        Ingest ingest = new Ingest(new IngestConfig(RelayConfig.builder().nodeId(nodeId)
                .bind(new InetSocketAddress(bind, quicPort)).build(), new InetSocketAddress(bind, httpPort),
                BoxReader.DEFAULT_MAX_BOX_SIZE, rootSlots, viewerCapacity, advertise));
        try {
            ingest.start();
        } catch (Exception e) {
            throw DemoCommand.portInUse(e, "--http-port / --quic-port");
        }
        List<AutoCloseable> running = new ArrayList<>(List.of(ingest));
        if (clip != null) {
            ingest.playDemoClip(clip);
        }
        if (synthetic != null) {
            ingest.synthetic(synthetic, bitrate);
        }
        System.out.printf("ingest '%s': relays connect to QUIC %s; encoders PUT to http://%s:%d/ingest/<broadcast>%n",
                nodeId, ingest.quicAddress(), bind, ingest.httpAddress().getPort());
        return RelayCommand.runUntilTerminated(running);
    }
}
