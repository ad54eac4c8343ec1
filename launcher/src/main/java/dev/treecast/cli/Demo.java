package dev.treecast.cli;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.treecast.gateway.Gateway;
import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.SigningKeys;
import dev.treecast.loadtest.engine.LocalCluster;
import dev.treecast.loadtest.model.RelaySelector;
import dev.treecast.loadtest.viewer.NativeViewer;
import dev.treecast.relay.Relay;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

/**
 * The whole system in one process: a {@link LocalCluster} (an ingest playing the built-in clip and running the tree
 * controller, relays placed by the controller from their capacities, a WebTransport gateway on every leaf), plus
 * optionally built-in treecast/1 viewers and a chaos monkey that kills a relay every few seconds.
 */
final class Demo implements AutoCloseable {
    /**
     * @param levels         relays per level, top first (the shape the capacities produce)
     * @param viewers        built-in treecast/1 viewers spread over the last level
     * @param bind           address every socket binds to
     * @param advertise      host put in the URLs handed to browsers and relays (null: the bind address, or
     *                       127.0.0.1)
     * @param viewerCapacity browser viewers each relay takes before the director looks elsewhere
     * @param killEvery      kill a random relay this often (null: never)
     */
    record Options(List<Integer> levels, int viewers, String broadcast, String bind, String advertise, int httpPort,
                   int quicPort, int viewerCapacity, Duration killEvery) {
    }

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<NativeViewer> viewers = new ArrayList<>();
    private final Options options;
    private final PrintStream out;
    private LocalCluster cluster;
    private ScheduledExecutorService chaos;

    private Demo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    static Demo start(Options options, PrintStream out) throws Exception {
        Demo demo = new Demo(options, out);
        try {
            demo.startAll();
            return demo;
        } catch (Exception | Error e) {
            demo.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        try {
            // Access control on, with an operator key made for this run: relays join with a relay token, the
            // director hands each browser a viewer token (the built-in treecast/1 viewers come without one).
            cluster = LocalCluster.start(new LocalCluster.Options(options.levels(), options.broadcast(), null,
                    options.bind(), options.advertise(), options.httpPort(), options.quicPort(),
                    options.viewerCapacity()), System.nanoTime(), SigningKeys.generate());
        } catch (Exception e) {
            throw DemoCommand.portInUse(e, "--http-port " + options.httpPort() + " / --quic-port "
                    + options.quicPort());
        }
        Ingest ingest = cluster.ingest();
        out.printf("ingest      QUIC %s   HTTP %s   playing the built-in clip as '%s', tree controller%n",
                ingest.quicAddress(), cluster.httpBase(), options.broadcast());
        out.printf("access      operator key %s (made for this run): relays join with a relay token; the director"
                + " hands each browser a viewer token%n", ingest.operatorKeyBase64());
        for (LocalCluster.Member m : cluster.members()) {
            out.printf("%-11s QUIC %s   placed under %s%s   metrics http://%s:%d/metrics%n", m.nodeId(),
                    m.relay().quicAddress(), m.relay().parentId(), m.gateway() == null ? ""
                            : "   WebTransport " + m.gateway().webTransportUrl(""), cluster.httpBase().getHost(),
                    cluster.metricsAddress(m).getPort());
        }
        out.printf("metrics     GET /metrics (Prometheus text) on each relay's HTTP port above and on %s/metrics%n",
                cluster.httpBase());
        cluster.onRepair(r -> out.printf("repair: %s lost %s, now under %s: attached %d ms after its parent was"
                + " declared dead%n", r.node(), r.oldParentId(), r.newParentId(), r.tookNanos() / 1_000_000));

        if (options.viewers() > 0) {
            EventLoopGroup viewerLoop = Transports.newGroup(1, "demo-viewers");
            running.add(0, () -> viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
            QuicClientEndpoint endpoint = QuicClientEndpoint.bind(viewerLoop.next(),
                    new InetSocketAddress(options.bind(), 0), QuicSettings.DEFAULT, Alpn.TREECAST_1);
            running.add(0, endpoint);
            List<InetSocketAddress> leaves = cluster.leafAddresses();
            for (int i = 0; i < options.viewers(); i++) {
                NativeViewer viewer = new NativeViewer("viewer-" + (i + 1), options.broadcast(),
                        List.of("video", "audio"), () -> System.currentTimeMillis() * 1000);
                viewer.connect(endpoint, leaves.get(i % leaves.size()));
                running.add(0, viewer);
                viewers.add(viewer);
            }
            out.printf("%d viewers (treecast/1 over QUIC) on the %d leaf relays%n", options.viewers(), leaves.size());
        }
        out.printf("open %s in Chromium to watch (WebTransport through the tree); the tree: %s/api/tree%n",
                playerUrl(), cluster.httpBase());
        out.printf("tree map    %s/tree (live: relays sized by load, coloured by health, repairs as they happen)%n",
                cluster.httpBase());
        out.printf("or with a MoQ player: open %s/moq/%s (<moq-watch> from npm @moq/watch, moq-lite over"
                + " WebTransport)%n", cluster.httpBase(), options.broadcast());
        if (options.killEvery() != null) {
            chaos = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "demo-chaos"));
            long every = options.killEvery().toMillis();
            chaos.scheduleWithFixedDelay(this::killOne, every, every, TimeUnit.MILLISECONDS);
            out.printf("killing a random relay every %d s (its sockets close without a word, as with kill -9)%n",
                    options.killEvery().toSeconds());
        }
    }

    /**
     * Chaos: crash a random relay that feeds other relays (so that there is a repair to show; leaves are killed
     * only when no relay has children), then start a replacement at the same level.
     */
    private void killOne() {
        try {
            LocalCluster.Member victim = cluster.pick(new RelaySelector.WithChildren());
            if (victim == null) {
                victim = cluster.pick(new RelaySelector.Any());
            }
            if (victim == null) {
                return;
            }
            long killed = System.nanoTime();
            out.printf("chaos: killing %s (level %d)%n", victim.nodeId(), victim.level());
            cluster.kill(victim);
            LocalCluster.Member fresh = cluster.replace(victim);
            out.printf("chaos: %s joined under %s, %d ms after the kill%n", fresh.nodeId(), fresh.relay().parentId(),
                    (System.nanoTime() - killed) / 1_000_000);
        } catch (Exception e) {
            out.println("chaos: " + e);
        }
    }

    /** The page a browser opens: it asks the ingest's director for an edge, then plays from it. */
    String playerUrl() {
        return cluster.httpBase() + "/watch/" + options.broadcast();
    }

    Ingest ingest() {
        return cluster.ingest();
    }

    List<Relay> relays() {
        return cluster.relays();
    }

    List<Gateway> gateways() {
        return cluster.gateways();
    }

    List<NativeViewer> viewers() {
        return viewers;
    }

    @Override
    public void close() {
        if (chaos != null) {
            chaos.shutdownNow();
            try {
                chaos.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        DemoCommand.closeAll(running);
        if (cluster != null) {
            cluster.close();
        }
    }
}
