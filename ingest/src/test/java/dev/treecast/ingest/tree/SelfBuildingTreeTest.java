package dev.treecast.ingest.tree;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import dev.treecast.tree.TreeNode;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * Relays that know only the ingest join, the controller places them into a three-level tree, and when a middle
 * relay dies (its sockets closed without a word) its subtree repairs itself from the backups: every leaf
 * subscriber still receives every object exactly once.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SelfBuildingTreeTest {
    private static final TrackName VIDEO = new TrackName("live", "video");
    private static final int OBJECTS_PER_GROUP = 10;

    private Ingest ingest;
    private final List<Relay> relays = new ArrayList<>();
    private EventLoopGroup viewerLoop;
    private QuicClientEndpoint endpoint;
    private ScheduledExecutorService source;

    @AfterEach
    void stop() {
        if (source != null) {
            source.shutdownNow();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (viewerLoop != null) {
            viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        relays.forEach(Relay::close);
        if (ingest != null) {
            ingest.close();
        }
    }

    private Relay join(String id, int slots) throws Exception {
        Relay relay = new Relay(RelayConfig.builder().nodeId(id).bind(new InetSocketAddress("127.0.0.1", 0))
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "local", slots)).build()).start();
        relays.add(relay);
        Await.until(id + " attached", Duration.ofSeconds(10), () -> relay.parentId() != null);
        return relay;
    }

    private static byte[] payload(long group, long object) {
        byte[] bytes = new byte[2000];
        new Random(group * 131 + object).nextBytes(bytes);
        return bytes;
    }

    /** Publishes {@code total} objects, 10 a group, one every 20 ms, from the root. */
    private void publish(int total) {
        AtomicInteger next = new AtomicInteger();
        source = Executors.newSingleThreadScheduledExecutor();
        source.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i >= total) {
                return;
            }
            long g = i / OBJECTS_PER_GROUP;
            long o = i % OBJECTS_PER_GROUP;
            ingest.root().origin().publish(VIDEO, g, ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, o,
                    System.currentTimeMillis() * 1000, null, Unpooled.wrappedBuffer(payload(g, o))));
            if (o == OBJECTS_PER_GROUP - 1) {
                ingest.root().origin().endGroup(VIDEO, g);
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
    }

    private RecordingSubscriber watch(Relay relay) throws Exception {
        if (endpoint == null) {
            viewerLoop = Transports.newGroup(1, "viewers");
            endpoint = QuicClientEndpoint.bind(viewerLoop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        }
        ClientSession s = ClientSession.connect(endpoint, relay.quicAddress(),
                ClientSession.Options.viewer("viewer@" + relay.nodeId()), new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        RecordingSubscriber r = new RecordingSubscriber();
        s.subscribe(VIDEO, StartPosition.LATEST, 1, r);
        Await.until("subscription accepted", Duration.ofSeconds(10), r::subscribed, r::error);
        return r;
    }

    /** Every object from the first group the subscriber saw to the last one published, once, byte-identical. */
    private static void assertEverythingOnce(String who, RecordingSubscriber r, int total) {
        Await.until(who + " received every object", Duration.ofSeconds(20), () -> {
            if (r.count() == 0) {
                return false;
            }
            long first = r.objects().get(0).group();
            return r.count() >= (total / OBJECTS_PER_GROUP - first) * OBJECTS_PER_GROUP;
        }, r::count);
        Map<Long, List<Long>> byGroup = new TreeMap<>();
        for (RecordingSubscriber.Received o : r.objects()) {
            byGroup.computeIfAbsent(o.group(), g -> new ArrayList<>()).add(o.sequence());
            assertThat(o.payload()).isEqualTo(payload(o.group(), o.sequence()));
        }
        long first = byGroup.keySet().iterator().next();
        assertThat(byGroup.keySet()).as(who).containsExactlyElementsOf(
                java.util.stream.LongStream.range(first, total / OBJECTS_PER_GROUP).boxed().toList());
        for (List<Long> seqs : byGroup.values()) {
            assertThat(seqs).as(who).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        }
    }

    /**
     * root (1 slot) → top (2) → middle (2) and a relay that takes no children, so that relays joining next with
     * no slots of their own go under middle. Returns middle.
     */
    private Relay topAndMiddle() throws Exception {
        ingest = new Ingest(IngestConfig.loopback().withRootSlots(1)).start();
        ingest.root().origin().declare(VIDEO);
        join("top", 2);
        Relay middle = join("middle", 2);
        join("filler", 0);
        return middle;
    }

    @Test
    void aDrainingRelayHandsItsChildrenOverBeforeItExitsWithoutLoss() throws Exception {
        Relay middle = topAndMiddle();
        Relay leafA = join("leaf-a", 0);
        Relay leafB = join("leaf-b", 0);
        assertThat(leafA.parentId()).isEqualTo("middle");
        RecordingSubscriber a = watch(leafA);
        RecordingSubscriber b = watch(leafB);
        int total = 200;
        publish(total);
        Await.until("objects flowing", Duration.ofSeconds(10), () -> a.count() > 20 && b.count() > 20);

        // SIGTERM does this: GOAWAY to the children, the controller told, wait until they have moved, then exit.
        middle.drain(Duration.ofSeconds(5));
        middle.close();
        assertThat(leafA.parentId()).as("leaf-a moved before middle exited").isNotNull().isNotEqualTo("middle");
        assertThat(leafB.parentId()).as("leaf-b moved before middle exited").isNotNull().isNotEqualTo("middle");
        assertThat(leafA.metrics().repairs() + leafB.metrics().repairs()).as("moves, not repairs").isZero();

        assertEverythingOnce("leaf-a", a, total);
        assertEverythingOnce("leaf-b", b, total);
    }

    @Test
    void withoutItsControllerTheTreeKeepsFlowingAndRepairingAndTheControllerRebuildsItsMap() throws Exception {
        Relay middle = topAndMiddle();
        Relay leaf = join("leaf", 0);
        assertThat(leaf.parentId()).isEqualTo("middle");
        Map<String, String> before = parents();
        RecordingSubscriber viewer = watch(leaf);
        int total = 200;
        publish(total);
        Await.until("objects flowing", Duration.ofSeconds(10), () -> viewer.count() > 20);

        ingest.restartController();
        // With no map at the controller, the leaf's parent dies: it repairs from the backups it already has.
        middle.crash();
        Await.until("the leaf repaired without the controller", Duration.ofSeconds(10),
                () -> {
                    // One read: the parent may change between two calls.
                    String parent = leaf.parentId();
                    return parent != null && !parent.equals("middle");
                }, leaf::parentId);
        assertEverythingOnce("leaf", viewer, total);

        // The restarted controller rebuilds its map from reports alone: each live relay where it really is (a
        // report sent just before the leaf's repair may still name middle; the next one corrects it).
        Await.until("the controller's map matches the live tree", Duration.ofSeconds(10), () -> {
            Map<String, String> map = parents();
            return map.keySet().containsAll(List.of("top", "filler", "leaf")) && !map.containsKey("middle")
                    && java.util.Objects.equals(map.get("leaf"), leaf.parentId());
        }, this::parents);
        assertThat(parents()).containsEntry("top", before.get("top"));
    }

    @Test
    void aHungParentIsNoticedWithinAFewHundredMillisecondsAndLeftWithoutLoss() throws Exception {
        Relay middle = topAndMiddle();
        Relay leaf = join("leaf", 0);
        RecordingSubscriber viewer = watch(leaf);
        int total = 150;
        publish(total);
        Await.until("objects flowing", Duration.ofSeconds(10), () -> viewer.count() > 20);

        // As with SIGSTOP: the middle relay's only thread stops; its sockets stay open but nothing answers.
        java.util.concurrent.CountDownLatch resume = new java.util.concurrent.CountDownLatch(1);
        List<Relay.Repair> repairs = new CopyOnWriteArrayList<>();
        leaf.onRepair(repairs::add);
        long hungAt = System.nanoTime();
        middle.eventLoop().execute(() -> {
            try {
                resume.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Await.until("the leaf left its hung parent", Duration.ofSeconds(5), () -> !repairs.isEmpty());
            long noticedMillis = (repairs.get(0).firstObjectNanos() - hungAt) / 1_000_000;
            System.out.printf("hung parent: first object from the new parent %d ms after the hang%n", noticedMillis);
            assertThat(repairs.get(0).oldParentId()).isEqualTo("middle");
            assertThat(noticedMillis).as("noticed and repaired within a few hundred ms").isLessThan(1000);
        } finally {
            resume.countDown();
        }
        assertEverythingOnce("leaf", viewer, total);
    }

    private Map<String, String> parents() {
        Map<String, String> parents = new TreeMap<>();
        for (TreeNode n : ingest.tree().view()) {
            if (n.depth() > 0) {
                parents.put(n.id(), n.parentId());
            }
        }
        return parents;
    }

    @Test
    void aMiddleRelayDiesAndEveryLeafSubscriberStillGetsEveryObjectExactlyOnce() throws Exception {
        ingest = new Ingest(IngestConfig.loopback().withRootSlots(2)).start();
        ingest.root().origin().declare(VIDEO);
        // Two relays under the root, four under those, one more level: depth 3.
        Map<String, Relay> byId = new LinkedHashMap<>();
        for (int i = 1; i <= 7; i++) {
            Relay r = join("relay-" + i, 2);
            byId.put(r.nodeId(), r);
        }
        List<TreeNode> tree = ingest.tree().view();
        Map<String, Integer> depth = new TreeMap<>();
        tree.forEach(n -> depth.put(n.id(), n.depth()));
        assertThat(depth).containsEntry("relay-1", 1).containsEntry("relay-2", 1);
        assertThat(depth.values().stream().mapToInt(Integer::intValue).max().orElse(0)).isEqualTo(3);
        System.out.println("tree: " + tree.stream().map(n -> n.id() + "<" + n.parentId()).toList());
        // The same map over HTTP, as operators and the tree page see it.
        java.net.http.HttpResponse<String> api = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                        + ingest.httpAddress().getPort() + "/api/tree")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(api.body());
        assertThat(json.get("relays").asInt()).isEqualTo(7);
        assertThat(json.get("depth").asInt()).isEqualTo(3);
        assertThat(json.get("nodes")).anySatisfy(n -> {
            assertThat(n.get("id").asText()).isEqualTo("relay-7");
            assertThat(n.get("parent").asText()).isEqualTo(byId.get("relay-7").parentId());
            assertThat(n.get("capacity").asInt()).isEqualTo(2);
            assertThat(n.get("region").asText()).isEqualTo("local");
        });

        // Subscribers on every relay without children (the leaves).
        List<String> leaves = tree.stream().filter(n -> n.children() == 0 && n.depth() > 0).map(TreeNode::id)
                .toList();
        Map<String, RecordingSubscriber> recorders = new LinkedHashMap<>();
        for (String leaf : leaves) {
            recorders.put(leaf, watch(byId.get(leaf)));
        }
        int total = 250;
        publish(total);

        Await.until("objects flowing to every leaf", Duration.ofSeconds(10),
                () -> recorders.values().stream().allMatch(r -> r.count() > 20));
        // Kill a middle relay (one with children, not at the top level), as kill -9 would.
        String victim = tree.stream().filter(n -> n.depth() == 2 && n.children() > 0).map(TreeNode::id)
                .findFirst().orElseThrow();
        List<Relay.Repair> repairs = new CopyOnWriteArrayList<>();
        byId.values().forEach(r -> r.onRepair(repairs::add));
        long killedAt = System.nanoTime();
        byId.get(victim).crash();
        Await.until("the orphans repaired", Duration.ofSeconds(10), () -> !repairs.isEmpty(), repairs::size);
        repairs.forEach(r -> System.out.printf("repair: %s lost %s, now under %s: attached %d ms after the parent was"
                + " declared dead; first object from it %d ms after the kill%n", r.node(), r.oldParentId(),
                r.newParentId(), r.tookNanos() / 1_000_000, (r.firstObjectNanos() - killedAt) / 1_000_000));

        // Every leaf except the victim's gets everything from its first group on, once.
        for (Map.Entry<String, RecordingSubscriber> e : recorders.entrySet()) {
            if (!e.getKey().equals(victim)) {
                assertEverythingOnce(e.getKey(), e.getValue(), total);
            }
        }
        // The controller learnt the new shape: no relay claims the dead one as parent.
        Await.until("the controller fixed its map", Duration.ofSeconds(10),
                () -> ingest.tree().view().stream().noneMatch(n -> victim.equals(n.parentId())),
                () -> ingest.tree().view());
    }
}
