package dev.treecast.loadtest.engine;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.gateway.MetricsServer;
import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.loadtest.model.RelaySelector;
import dev.treecast.media.BoxReader;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.tree.StaticTree;

/**
 * A whole Treecast in this process, from the embeddable objects a fleet runs: an ingest (root relay + tree
 * controller + director) publishing one broadcast, relays that know only the ingest and are placed by the
 * controller (each level's relays get as many child slots as the next level needs, which yields the requested
 * shape), and a WebTransport gateway on every relay of the last level, registered with the director. Relays can be
 * crashed, hung, resumed and drained for real, and replaced. The demo and the load tester both run on it.
 *
 * <p>Thread-safe: membership is a copy-on-write list; each relay's state stays on its own event loop.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);
    /** A hung relay resumes by itself after this, so that no run can leave a thread parked for ever. */
    private static final Duration MAX_HANG = Duration.ofMinutes(10);

    /**
     * @param levels         relays per level, top first
     * @param broadcast      the broadcast the ingest publishes
     * @param synthetic      null: the built-in clip; else a synthetic stream of this many bits a second
     * @param bind           address every socket binds to
     * @param advertise      host put in URLs for browsers and relays (null: the bind address or 127.0.0.1)
     * @param httpPort       ingest HTTP port (0: any)
     * @param quicPort       ingest QUIC port (0: any)
     * @param viewerCapacity browser viewers per leaf before the director looks elsewhere
     */
    public record Options(List<Integer> levels, String broadcast, Long synthetic, String bind, String advertise,
                          int httpPort, int quicPort, int viewerCapacity) {
        public Options {
            levels = List.copyOf(levels);
            StaticTree.of("ingest", levels); // validates the shape with a clear message
        }

        /** On loopback, free ports, the built-in clip. */
        public static Options loopback(List<Integer> levels, String broadcast) {
            return new Options(levels, broadcast, null, "127.0.0.1", null, 0, 0, 5000);
        }
    }

    /** A relay of the cluster, its level (from 1) and its gateway (last level only, else null). */
    public record Member(Relay relay, int level, Gateway gateway) {
        public String nodeId() {
            return relay.nodeId();
        }
    }

    private final Options options;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final List<Hang> hung = new CopyOnWriteArrayList<>();
    /** The HTTP port ({@code /metrics}) of each relay without a gateway, by node id. */
    private final java.util.Map<String, MetricsServer> metricsServers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Random random;
    private volatile Consumer<Relay.Repair> repairs = r -> { };
    private Ingest ingest;
    private int spawned;
    /** With an operator key: the ingest checks fleet tokens and its director hands out viewer tokens. */
    private java.security.KeyPair operatorKey;
    private RelayConfig.Access relayAccess = RelayConfig.Access.OPEN;

    private record Hang(Member member, CountDownLatch release) {
    }

    private LocalCluster(Options options, long seed) {
        this.options = options;
        this.random = new Random(seed);
    }

    /** Starts the ingest, then the relays level by level, and waits until every gateway is known to the director. */
    public static LocalCluster start(Options options, long seed) throws Exception {
        return start(options, seed, null);
    }

    /**
     * As {@link #start(Options, long)}, with access control on when {@code operatorKey} is given: every relay
     * presents a relay token to join and attach, and the director hands each viewer a viewer token on its URL.
     * Viewers without a token are let in all the same (the load tester's QUIC viewers carry none).
     */
    public static LocalCluster start(Options options, long seed, java.security.KeyPair operatorKey) throws Exception {
        LocalCluster cluster = new LocalCluster(options, seed);
        if (operatorKey != null) {
            cluster.operatorKey = operatorKey;
            cluster.relayAccess = new RelayConfig.Access(dev.treecast.protocol.data.ObjectSignature.rawPublicKey(
                    operatorKey.getPublic()), false, dev.treecast.protocol.auth.AccessToken.relay(
                    System.currentTimeMillis() / 1000 + Duration.ofDays(30).toSeconds(), "local-cluster")
                    .sign(operatorKey.getPrivate()));
        }
        try {
            cluster.startAll();
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        List<Integer> levels = options.levels();
        ingest = new Ingest(new IngestConfig(RelayConfig.builder().nodeId("ingest")
                .bind(new InetSocketAddress(options.bind(), options.quicPort())).access(relayAccess.withToken(""))
                .build(), new InetSocketAddress(options.bind(), options.httpPort()), BoxReader.DEFAULT_MAX_BOX_SIZE,
                levels.get(0), options.viewerCapacity(), options.advertise()).withOperatorKey(operatorKey));
        ingest.start();
        if (options.synthetic() == null) {
            ingest.playDemoClip(options.broadcast());
        } else {
            ingest.synthetic(options.broadcast(), options.synthetic());
        }
        for (StaticTree.Placement place : StaticTree.of("ingest", levels)) {
            spawn(place.nodeId(), place.level());
        }
        awaitEdges();
    }

    /** Called (on a relay's thread) after each local repair in the tree, once data flows from the new parent. */
    public void onRepair(Consumer<Relay.Repair> listener) {
        this.repairs = listener;
    }

    /** Starts a relay that joins the tree, with a gateway if it belongs to the last level; waits until placed. */
    private Member spawn(String id, int level) throws Exception {
        List<Integer> levels = options.levels();
        int slots = level == levels.size() ? 0
                : (int) Math.ceil((double) levels.get(level) / levels.get(level - 1));
        Relay relay = new Relay(RelayConfig.builder().nodeId(id).bind(new InetSocketAddress(options.bind(), 0))
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "local", slots)
                        .advertise(options.advertise())).access(relayAccess).build()).start();
        Gateway gateway = null;
        try {
            if (level == levels.size()) {
                gateway = new Gateway(relay, GatewayConfig.builder()
                        .webTransportBind(new InetSocketAddress(options.bind(), 0))
                        .httpBind(new InetSocketAddress(options.bind(), 0))
                        .advertisedHost(options.advertise()).build()).start();
                relay.edge(gateway.webTransportUrl(""), relay.certificates().sha256Hex());
            } else {
                metricsServers.put(id, MetricsServer.start(relay, new InetSocketAddress(options.bind(), 0)));
            }
        } catch (Exception | Error e) {
            closeMetrics(id);
            relay.close();
            throw e;
        }
        Member m = new Member(relay, level, gateway);
        members.add(m);
        relay.onRepair(r -> repairs.accept(r));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (relay.parentId() == null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        return m;
    }

    /** Waits until the director knows every gateway (the relays report their edges once a second). */
    public void awaitEdges() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ingest.director().size() < gateways().size() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000);
        }
    }

    /** The relay {@code selector} picks now, or null when none matches. Hung relays are not picked. */
    public Member pick(RelaySelector selector) {
        Set<String> stopped = new HashSet<>();
        hung.forEach(h -> stopped.add(h.member().nodeId()));
        List<Member> live = members.stream().filter(m -> !stopped.contains(m.nodeId())).toList();
        List<Member> candidates = switch (selector) {
            case RelaySelector.Named n -> live.stream().filter(m -> m.nodeId().equals(n.nodeId())).toList();
            case RelaySelector.AtLevel l -> live.stream().filter(m -> m.level() == l.level()).toList();
            case RelaySelector.Leaf l -> live.stream().filter(m -> m.gateway() != null).toList();
            case RelaySelector.Any a -> live;
            case RelaySelector.WithChildren w -> {
                Set<String> parents = new HashSet<>();
                ingest.tree().view().forEach(n -> {
                    if (n.depth() > 0 && n.children() > 0) {
                        parents.add(n.id());
                    }
                });
                yield live.stream().filter(m -> parents.contains(m.nodeId())).toList();
            }
        };
        if (candidates.isEmpty()) {
            return null;
        }
        synchronized (random) {
            return candidates.get(random.nextInt(candidates.size()));
        }
    }

    /**
     * Where {@code m}'s meters are served ({@code GET /metrics}): its gateway's HTTP port, or for a relay without
     * one an HTTP port of its own.
     */
    public InetSocketAddress metricsAddress(Member m) {
        if (m.gateway() != null) {
            return m.gateway().httpAddress();
        }
        MetricsServer server = metricsServers.get(m.nodeId());
        return server == null ? null : server.localAddress();
    }

    private void closeMetrics(String nodeId) {
        MetricsServer server = metricsServers.remove(nodeId);
        if (server != null) {
            closeQuietly(server);
        }
    }

    /** Crashes {@code victim} as kill -9 would: sockets closed without a word, to relays and viewers alike. */
    public void kill(Member victim) {
        closeMetrics(victim.nodeId());
        members.remove(victim);
        release(victim);
        if (victim.gateway() != null) {
            victim.gateway().crash();
        }
        victim.relay().crash();
    }

    /**
     * Hangs {@code victim} as SIGSTOP would: its thread (which runs its sockets, timers and gateway) parks until
     * {@link #resume}, so it answers nobody while its sockets stay open. Returns false if it is hung already.
     */
    public boolean stop(Member victim) {
        if (hung.stream().anyMatch(h -> h.member().equals(victim))) {
            return false;
        }
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch parked = new CountDownLatch(1);
        hung.add(new Hang(victim, release));
        victim.relay().eventLoop().execute(() -> {
            parked.countDown();
            try {
                if (!release.await(MAX_HANG.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{}: resumed by itself after {} hung", victim.nodeId(), MAX_HANG);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            parked.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /** Resumes a hung relay: the named one, or else the one hung last. Returns it, or null if none is hung. */
    public Member resume(RelaySelector selector) {
        Hang hang = null;
        for (Hang h : hung) {
            if (!(selector instanceof RelaySelector.Named n) || h.member().nodeId().equals(n.nodeId())) {
                hang = h;
            }
        }
        if (hang == null) {
            return null;
        }
        hung.remove(hang);
        hang.release().countDown();
        return hang.member();
    }

    private void release(Member m) {
        for (Hang h : hung) {
            if (h.member().equals(m)) {
                hung.remove(h);
                h.release().countDown();
            }
        }
    }

    /** Leaves gracefully: children move make-before-break, then browser viewers are told GOING_AWAY. */
    public void drain(Member victim, Duration timeout) {
        release(victim);
        victim.relay().drain(timeout);
        members.remove(victim);
        closeMetrics(victim.nodeId());
        if (victim.gateway() != null) {
            victim.gateway().close();
        }
        victim.relay().close();
    }

    /** Starts a fresh relay at {@code gone}'s level (named after it, {@code +N}); returns it once placed. */
    public Member replace(Member gone) throws Exception {
        String id;
        synchronized (this) {
            id = gone.nodeId().replaceAll("\\+\\d+$", "") + "+" + (++spawned);
        }
        Member fresh = spawn(id, gone.level());
        awaitEdges();
        return fresh;
    }

    public Ingest ingest() {
        return ingest;
    }

    public Options options() {
        return options;
    }

    /** The relays now in the cluster (not the ingest), hung ones included. */
    public List<Member> members() {
        return List.copyOf(members);
    }

    public List<Relay> relays() {
        return members.stream().map(Member::relay).toList();
    }

    public List<Gateway> gateways() {
        return members.stream().map(Member::gateway).filter(g -> g != null).toList();
    }

    /** The {@code treecast/1} QUIC addresses of the last level's relays (where native viewers go). */
    public List<InetSocketAddress> leafAddresses() {
        return members.stream().filter(m -> m.gateway() != null).map(m -> m.relay().quicAddress()).toList();
    }

    /** The ingest's HTTP base, where the director answers ({@code /api/director}) and the player page is. */
    public URI httpBase() {
        InetSocketAddress a = ingest.httpAddress();
        String host = options.advertise() != null ? options.advertise()
                : a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
        return URI.create("http://" + host + ":" + a.getPort());
    }

    /** Payload bytes the origin (the ingest's root relay) has sent to its children so far. */
    public long originBytes() {
        return ingest.root().metrics().bytesForwarded();
    }

    /** Resumes hung relays, then closes gateways, relays (leaves first) and the ingest. */
    @Override
    public void close() {
        for (Hang h : hung) {
            h.release().countDown();
        }
        hung.clear();
        List<Member> all = new ArrayList<>(members);
        all.sort((a, b) -> Integer.compare(b.level(), a.level()));
        for (Member m : all) {
            if (m.gateway() != null) {
                closeQuietly(m.gateway());
            }
        }
        for (Member m : all) {
            closeMetrics(m.nodeId());
            closeQuietly(m.relay());
        }
        members.clear();
        if (ingest != null) {
            closeQuietly(ingest);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("while stopping {}: {}", c, e.toString());
        }
    }
}
