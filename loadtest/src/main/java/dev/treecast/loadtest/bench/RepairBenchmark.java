package dev.treecast.loadtest.bench;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.loadtest.viewer.NativeViewer;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.tree.TreeNode;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * Repair time of the self-building tree over many kills, on loopback: an ingest and a three-level tree of relays
 * that joined through the controller, a track published at 100 objects a second, viewers on relays that are
 * never killed. Each round crashes a relay that has children (its sockets close without a word, as with kill -9),
 * measures for each orphan the time from the kill to the first object from its new parent, then starts a
 * replacement that joins the tree. Prints p50 / p99 / max and the objects the viewers lost (none expected).
 */
public final class RepairBenchmark {
    private static final TrackName TRACK = new TrackName("bench", "video");
    private static final int OBJECTS_PER_GROUP = 50;

    private final int kills;
    private final int relays;
    private final PrintStream out;
    private final Histogram killToFirstObject = new Histogram(3);
    private final Histogram deadToAttached = new Histogram(3);
    private final AtomicLong killedAt = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<String> victim =
            new java.util.concurrent.atomic.AtomicReference<>("");
    /** Repairs of a parent that was not killed: a live parent declared dead (a false alarm). */
    private final AtomicLong spurious = new AtomicLong();

    public RepairBenchmark(int kills, int relays, PrintStream out) {
        this.kills = kills;
        this.relays = relays;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        new RepairBenchmark(args.length > 0 ? Integer.parseInt(args[0]) : 50, 12, System.out).run();
    }

    public void run() throws Exception {
        Ingest ingest = new Ingest(IngestConfig.loopback().withRootSlots(2)).start();
        List<Relay> live = new CopyOnWriteArrayList<>();
        EventLoopGroup viewerLoop = Transports.newGroup(1, "bench-viewers");
        ScheduledExecutorService source = Executors.newSingleThreadScheduledExecutor();
        List<NativeViewer> viewers = new ArrayList<>();
        List<NativeViewer> others = new ArrayList<>();
        QuicClientEndpoint endpoint = null;
        int serial = 0;
        try {
            ingest.root().origin().declare(TRACK);
            Random random = new Random(7);
            for (int i = 0; i < relays; i++) {
                live.add(join(ingest, "relay-" + (++serial)));
            }
            awaitTree(ingest, live.size());
            AtomicLong published = new AtomicLong();
            source.scheduleAtFixedRate(() -> {
                long i = published.getAndIncrement();
                long g = i / OBJECTS_PER_GROUP;
                long o = i % OBJECTS_PER_GROUP;
                ingest.root().origin().publish(TRACK, g, ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, o,
                        System.currentTimeMillis() * 1000, null, Unpooled.wrappedBuffer(new byte[1500])));
                if (o == OBJECTS_PER_GROUP - 1) {
                    ingest.root().origin().endGroup(TRACK, g);
                }
            }, 0, 10, TimeUnit.MILLISECONDS);

            // A viewer on every relay, so every relay carries the track; loss is counted on three relays that are
            // never killed (the viewers of a killed relay lose their session, as they would).
            endpoint = QuicClientEndpoint.bind(viewerLoop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
            List<Relay> watched = List.copyOf(live.subList(live.size() - 3, live.size()));
            for (Relay r : live) {
                NativeViewer v = watch(endpoint, r);
                if (watched.contains(r)) {
                    viewers.add(v);
                } else {
                    others.add(v);
                }
            }
            List<Relay> protectedRelays = watched;
            LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());

            out.printf("treecast repair benchmark: %d kills, %d relays (root feeds 2, relays 2 each), heartbeat %d ms,"
                            + " dead after %d ms, 100 objects/s%n", kills, relays,
                    RelayConfig.Tree.HEARTBEAT.toMillis(), RelayConfig.Tree.DEAD_AFTER.toMillis());
            for (int k = 1; k <= kills; k++) {
                Map<String, String> parents = parents(ingest);
                List<Relay> candidates = new ArrayList<>();
                for (Relay r : live) {
                    if (!protectedRelays.contains(r) && parents.containsValue(r.nodeId())) {
                        candidates.add(r);
                    }
                }
                if (candidates.isEmpty()) {
                    out.println("round " + k + ": no relay with children to kill; tree " + parents);
                    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
                    continue;
                }
                Relay doomed = candidates.get(random.nextInt(candidates.size()));
                long orphans = parents.values().stream().filter(doomed.nodeId()::equals).count();
                long before;
                synchronized (killToFirstObject) {
                    before = killToFirstObject.getTotalCount();
                    victim.set(doomed.nodeId());
                    killedAt.set(System.nanoTime());
                }
                doomed.crash();
                live.remove(doomed);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (killToFirstObject.getTotalCount() - before < orphans && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(5_000_000);
                }
                long repaired = killToFirstObject.getTotalCount() - before;
                out.printf("kill %2d: %-9s %d orphans, %d repaired%n", k, doomed.nodeId(), orphans, repaired);
                Relay replacement = join(ingest, "relay-" + (++serial));
                live.add(replacement);
                awaitTree(ingest, live.size());
                others.add(watch(endpoint, replacement));
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            }
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
            long lost = viewers.stream().mapToLong(NativeViewer::lost).sum();
            long reset = viewers.stream().mapToLong(NativeViewer::groupsReset).sum();
            out.println();
            out.printf("kill -> first object from the new parent: n=%d p50 %d ms, p99 %d ms, max %d ms%n",
                    killToFirstObject.getTotalCount(), killToFirstObject.getValueAtPercentile(50) / 1000,
                    killToFirstObject.getValueAtPercentile(99) / 1000, killToFirstObject.getMaxValue() / 1000);
            out.printf("parent declared dead -> attached to a backup: p50 %d ms, p99 %d ms, max %d ms%n",
                    deadToAttached.getValueAtPercentile(50) / 1000, deadToAttached.getValueAtPercentile(99) / 1000,
                    deadToAttached.getMaxValue() / 1000);
            out.printf("viewers on never-killed relays: %d objects received, %d lost, %d groups reset%n",
                    viewers.stream().mapToLong(NativeViewer::objects).sum(), lost, reset);
            out.printf("false alarms (a live parent declared dead): %d%n", spurious.get());
        } finally {
            source.shutdownNow();
            viewers.forEach(NativeViewer::close);
            others.forEach(NativeViewer::close);
            viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            live.forEach(Relay::close);
            ingest.close();
        }
    }

    private Relay join(Ingest ingest, String id) throws InterruptedException {
        Relay relay = new Relay(RelayConfig.builder().nodeId(id).bind(new InetSocketAddress("127.0.0.1", 0))
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "local", 2)).build()).start();
        relay.onRepair(r -> {
            synchronized (killToFirstObject) {
                if (r.oldParentId().equals(victim.get())) {
                    killToFirstObject.recordValue(Math.max(0, (r.firstObjectNanos() - killedAt.get()) / 1000));
                    deadToAttached.recordValue(r.tookNanos() / 1000);
                } else {
                    spurious.incrementAndGet();
                }
            }
        });
        return relay;
    }

    private static NativeViewer watch(QuicClientEndpoint endpoint, Relay relay) throws Exception {
        NativeViewer v = new NativeViewer("viewer@" + relay.nodeId(), TRACK.broadcast(), List.of(TRACK.track()),
                () -> System.currentTimeMillis() * 1000);
        v.connect(endpoint, relay.quicAddress()).get(10, TimeUnit.SECONDS);
        return v;
    }

    private static void awaitTree(Ingest ingest, int relays) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, String> parents = parents(ingest);
            if (parents.size() == relays && !parents.containsValue(null)) {
                return;
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    private static Map<String, String> parents(Ingest ingest) {
        Map<String, String> parents = new LinkedHashMap<>();
        for (TreeNode n : ingest.tree().view()) {
            if (n.depth() > 0) {
                parents.put(n.id(), n.parentId());
            }
        }
        return parents;
    }
}
