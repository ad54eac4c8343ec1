package dev.treecast.cli;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
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

/**
 * The whole system in one process, from the same embeddable objects a fleet runs: an ingest playing the built-in
 * clip and running the tree controller, relays that know only the ingest and are placed by the controller (the
 * shape comes from their capacities: each level's relays get as many child slots as the next level needs), a
 * WebTransport gateway on every relay of the last level (the director learns them from the relays' reports), and
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

    /** A relay the demo started, with its level (from 1) and gateway (last level only). */
    private record Member(Relay relay, int level, Gateway gateway) {
    }

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final List<Relay> relays = new CopyOnWriteArrayList<>();
    private final List<Gateway> gateways = new CopyOnWriteArrayList<>();
    private final List<NativeViewer> viewers = new ArrayList<>();
    private final Options options;
    private final PrintStream out;
    private Ingest ingest;
    private ScheduledExecutorService chaos;
    private int spawned;

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
        String bind = options.bind();
        List<Integer> levels = options.levels();
        ingest = new Ingest(new IngestConfig(RelayConfig.builder().nodeId("ingest")
                .bind(new InetSocketAddress(bind, options.quicPort())).build(),
                new InetSocketAddress(bind, options.httpPort()), BoxReader.DEFAULT_MAX_BOX_SIZE, levels.get(0),
                options.viewerCapacity(), options.advertise()));
        try {
            ingest.start();
        } catch (Exception e) {
            throw DemoCommand.portInUse(e, "--http-port " + options.httpPort() + " / --quic-port "
                    + options.quicPort());
        }
        running.add(ingest);
        ingest.playDemoClip(options.broadcast());
        out.printf("ingest      QUIC %s   HTTP %s   playing the built-in clip as '%s', tree controller%n",
                ingest.quicAddress(), httpUrl(ingest.httpAddress()), options.broadcast());

        // Relays know only the ingest; the controller places them. Joining level by level, each level's relays
        // with the slots the next level needs, yields the requested shape.
        for (StaticTree.Placement place : StaticTree.of("ingest", levels)) {
            Member m = spawn(place.nodeId(), place.level());
            out.printf("%-11s QUIC %s   placed under %s%s%n", place.nodeId(), m.relay().quicAddress(),
                    m.relay().parentId(), m.gateway() == null ? ""
                            : "   WebTransport " + m.gateway().webTransportUrl(""));
        }
        awaitEdges();

        if (options.viewers() > 0) {
            EventLoopGroup viewerLoop = Transports.newGroup(1, "demo-viewers");
            running.add(0, () -> viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
            QuicClientEndpoint endpoint = QuicClientEndpoint.bind(viewerLoop.next(), new InetSocketAddress(bind, 0),
                    QuicSettings.DEFAULT, Alpn.TREECAST_1);
            running.add(0, endpoint);
            List<Member> leaves = members.stream().filter(m -> m.gateway() != null).toList();
            for (int i = 0; i < options.viewers(); i++) {
                Relay leaf = leaves.get(i % leaves.size()).relay();
                NativeViewer viewer = new NativeViewer("viewer-" + (i + 1), options.broadcast(),
                        List.of("video", "audio"), () -> System.currentTimeMillis() * 1000);
                viewer.connect(endpoint, leaf.quicAddress());
                running.add(0, viewer);
                viewers.add(viewer);
            }
            out.printf("%d viewers (treecast/1 over QUIC) on the %d leaf relays%n", options.viewers(), leaves.size());
        }
        out.printf("open %s in Chromium to watch (WebTransport through the tree); the tree: %s/api/tree%n",
                playerUrl(), httpUrl(ingest.httpAddress()));
        if (options.killEvery() != null) {
            chaos = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "demo-chaos"));
            long every = options.killEvery().toMillis();
            chaos.scheduleWithFixedDelay(this::killOne, every, every, TimeUnit.MILLISECONDS);
            out.printf("killing a random relay every %d s (its sockets close without a word, as with kill -9)%n",
                    options.killEvery().toSeconds());
        }
    }

    /** Starts a relay that joins the tree, with a gateway if it belongs to the last level, and waits until placed. */
    private Member spawn(String id, int level) throws Exception {
        List<Integer> levels = options.levels();
        int slots = level == levels.size() ? 0
                : (int) Math.ceil((double) levels.get(level) / levels.get(level - 1));
        Relay relay = new Relay(RelayConfig.builder().nodeId(id).bind(new InetSocketAddress(options.bind(), 0))
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "local", slots)
                        .advertise(options.advertise())).build()).start();
        Gateway gateway = null;
        if (level == levels.size()) {
            gateway = new Gateway(relay, GatewayConfig.builder()
                    .webTransportBind(new InetSocketAddress(options.bind(), 0))
                    .httpBind(new InetSocketAddress(options.bind(), 0))
                    .advertisedHost(options.advertise()).build()).start();
            relay.edge(gateway.webTransportUrl(""), relay.certificates().sha256Hex());
        }
        Member m = new Member(relay, level, gateway);
        members.add(m);
        relays.add(relay);
        if (gateway != null) {
            gateways.add(gateway);
        }
        relay.onRepair(r -> out.printf("repair: %s lost %s, now under %s: attached %d ms after its parent was declared"
                + " dead%n", r.node(), r.oldParentId(), r.newParentId(), r.tookNanos() / 1_000_000));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (relay.parentId() == null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        return m;
    }

    /** Waits until the director knows every gateway (the relays report their edges). */
    private void awaitEdges() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ingest.director().size() < gateways.size() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000);
        }
    }

    /**
     * Chaos: crash a random relay that feeds other relays (so that there is a repair to show; leaves are killed
     * only when no relay has children), then start a replacement at the same level.
     */
    private void killOne() {
        try {
            java.util.Set<String> parents = new java.util.HashSet<>();
            ingest.tree().view().forEach(n -> {
                if (n.depth() > 0 && n.children() > 0) {
                    parents.add(n.id());
                }
            });
            List<Member> candidates = members.stream().filter(m -> parents.contains(m.relay().nodeId())).toList();
            if (candidates.isEmpty()) {
                candidates = List.copyOf(members);
            }
            Member victim = candidates.get(new Random().nextInt(candidates.size()));
            long killed = System.nanoTime();
            out.printf("chaos: killing %s (level %d)%n", victim.relay().nodeId(), victim.level());
            members.remove(victim);
            relays.remove(victim.relay());
            if (victim.gateway() != null) {
                gateways.remove(victim.gateway());
                victim.gateway().close();
            }
            victim.relay().crash();
            String id = victim.relay().nodeId().replaceAll("\\+\\d+$", "") + "+" + (++spawned);
            Member fresh = spawn(id, victim.level());
            out.printf("chaos: %s joined under %s, %d ms after the kill%n", id, fresh.relay().parentId(),
                    (System.nanoTime() - killed) / 1_000_000);
        } catch (Exception e) {
            out.println("chaos: " + e);
        }
    }

    private String httpUrl(InetSocketAddress address) {
        String host = options.advertise() != null ? options.advertise()
                : address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return "http://" + host + ":" + address.getPort();
    }

    /** The page a browser opens: it asks the ingest's director for an edge, then plays from it. */
    String playerUrl() {
        return httpUrl(ingest.httpAddress()) + "/watch/" + options.broadcast();
    }

    Ingest ingest() {
        return ingest;
    }

    List<Relay> relays() {
        return relays;
    }

    List<Gateway> gateways() {
        return gateways;
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
        List<AutoCloseable> all = new ArrayList<>();
        for (Member m : members) {
            if (m.gateway() != null) {
                all.add(m.gateway());
            }
        }
        all.addAll(running.subList(0, Math.max(0, running.size() - 1)));
        for (Member m : members) {
            all.add(m.relay());
        }
        if (!running.isEmpty()) {
            all.add(running.get(running.size() - 1));
        }
        DemoCommand.closeAll(all);
        running.clear();
    }
}
