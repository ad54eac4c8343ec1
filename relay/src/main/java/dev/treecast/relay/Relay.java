package dev.treecast.relay;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import dev.treecast.protocol.control.GoAway;
import dev.treecast.protocol.control.RelayDescription;
import dev.treecast.relay.core.Admission;
import dev.treecast.relay.core.DownstreamSession;
import dev.treecast.relay.core.GroupCache;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.relay.quic.RawQuicAcceptor;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.Certificates;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicServer;
import dev.treecast.transport.Transports;
import dev.treecast.tree.Backup;
import dev.treecast.tree.Placement;
import dev.treecast.tree.Ranks;
import dev.treecast.tree.RelayAgent;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * A relay: takes tracks from its parent (or, at the root, from the local {@link Origin}) and serves them to any
 * number of subscribers, viewers and child relays alike, over QUIC. Embeddable: {@code new Relay(config).start()}
 * then {@code close()}; tests and the demo build whole trees in one JVM this way.
 *
 * <p>All media state lives on one event loop thread (the relay's), which also runs the QUIC sockets; the relay
 * does not decide where it sits in the tree, its configuration (or the tree controller) does.
 */
public final class Relay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    /**
     * How often latency budgets, idle tracks and cache expiry are looked at, and the tree agent ticks (heartbeats,
     * dead parents): well under the heartbeat interval, so detection is not late by a whole cycle.
     */
    private static final long DUTY_CYCLE_MILLIS = 25;

    private final RelayConfig config;
    private final MeterRegistry registry;
    private EventLoopGroup group;
    private EventLoop loop;
    private Certificates certificates;
    private RelayMetrics metrics;
    private RelayCore core;
    private QuicServer server;
    private QuicClientEndpoint upstreamEndpoint;
    private ParentLink parentLink;
    private ScheduledFuture<?> duty;
    private Origin origin;
    private ObjectVerification verification;
    private ControllerLink controllerLink;
    private QuicClientEndpoint controllerEndpoint;
    private volatile String edgeUrl = "";
    private volatile String edgeCertificate = "";
    private volatile java.util.function.Consumer<Repair> repairListener = r -> { };
    private volatile boolean closed;

    /** A relay with a registry of its own, served as Prometheus text by its HTTP port ({@code /metrics}). */
    public Relay(RelayConfig config) {
        this(config, MetricsEndpoint.newRegistry());
    }

    public Relay(RelayConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** Binds the QUIC socket, connects to the parent (if any) and starts serving. */
    public Relay start() throws InterruptedException {
        group = Transports.newGroup(1, config.nodeId());
        loop = group.next();
        certificates = config.certificates() != null ? config.certificates()
                : Certificates.selfSigned(Clock.systemUTC());
        metrics = new RelayMetrics(registry, config.nodeId());
        metrics.calibrate(wallMicros(), System.nanoTime());
        GroupCache cache = new GroupCache(config.cacheBytes(), config.cacheDuration(), Ticker.systemTicker());
        verification = new ObjectVerification(config.nodeId(), config.verify(), config.broadcastKey());
        try {
            if (!config.isRoot()) {
                // A candidate parent that does not answer a handshake quickly is skipped for the next backup.
                upstreamEndpoint = QuicClientEndpoint.bind(loop, config.upstream(), Alpn.TREECAST_1)
                        .connectTimeout(ParentLink.MIN_CONNECT_TIMEOUT);
                RelayConfig.Tree tree = config.tree();
                Duration heartbeat = tree == null ? RelayConfig.Tree.HEARTBEAT : tree.heartbeatEvery();
                Duration deadAfter = tree == null ? RelayConfig.Tree.DEAD_AFTER : tree.deadAfter();
                // The agent sends the heartbeats on parent links; SETUP carries the rank the tree gave us (0 for a
                // hand-configured parent list, which the parent does not check).
                ClientSession.Options parentOptions = new ClientSession.Options(config.nodeId(),
                        dev.treecast.protocol.control.Role.RELAY, Duration.ZERO, config.maxPayload(), 0,
                        config.access().token());
                parentLink = new ParentLink(upstreamEndpoint, parentOptions, tree != null,
                        new RelayAgent(config.nodeId(), heartbeat, deadAfter), metrics, new TreeEvents(),
                        verification);
                if (tree != null) {
                    // Its own socket: the controller may be far and busy, so it gets a patient handshake timeout,
                    // while candidate parents that do not answer quickly are skipped.
                    controllerEndpoint = QuicClientEndpoint.bind(loop, config.upstream(), Alpn.TREECAST_1)
                            .connectTimeout(Duration.ofSeconds(3));
                    controllerLink = new ControllerLink(controllerEndpoint, tree.controller(),
                            new ClientSession.Options(config.nodeId(), dev.treecast.protocol.control.Role.RELAY,
                                    Duration.ofSeconds(1), config.maxPayload(), 0, config.access().token()),
                            this::describe, parentLink,
                            verification);
                }
            }
            core = new RelayCore(config.nodeId(), cache, metrics, parentLink, config.budgets(), config.linger(),
                    System::nanoTime);
            core.limits(config.limits());
            core.admission(new Admission(config.access().operatorKey(), config.access().viewersNeedToken(),
                    config.tree() == null ? "" : config.tree().region(), () -> System.currentTimeMillis() / 1000,
                    System::nanoTime, metrics));
            if (parentLink != null) {
                parentLink.attach(core);
            }
            RawQuicAcceptor acceptor = new RawQuicAcceptor(core);
            server = QuicServer.bind(loop, config.bind(), certificates, config.downstream(),
                    acceptor.connectionHandler(), acceptor.streamHandler(), Alpn.TREECAST_1);
            origin = new Origin(loop, core);
            loop.execute(() -> verification.start(config.isRoot(), config.tree() != null));
            duty = loop.scheduleAtFixedRate(this::dutyCycle, DUTY_CYCLE_MILLIS, DUTY_CYCLE_MILLIS,
                    TimeUnit.MILLISECONDS);
            if (controllerLink != null) {
                loop.execute(() -> controllerLink.start(core));
            } else if (parentLink != null) {
                loop.execute(this::placeStatically);
            }
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("{}: relay listening on quic {} ({}), {}", config.nodeId(), server.localAddress(),
                Transports.describe(), config.isRoot() ? "root of the tree" : config.tree() != null
                        ? "joining the tree at " + config.tree().controller() : "parents " + config.parents());
        RelayConfig.Access access = config.access();
        LOG.info("{}: {}{}", config.nodeId(), access.isEnforcing() ? "access control on: relays need a relay token, "
                + (access.viewersNeedToken() ? "viewers a viewer token" : "viewers may come without a token")
                : "open fleet: anyone may join and watch (no --operator-key)", config.isRoot() ? ""
                : access.token().isEmpty() ? ", presenting no relay token upstream" : ", presenting a relay token upstream");
        return this;
    }

    /**
     * A duty cycle later than this after the previous one means this relay's own thread was stalled (a GC pause,
     * a burst of handshakes, a starved CPU): its parent's heartbeat echoes may be sitting unread in the socket.
     */
    private static final long STALL_NANOS = 2 * DUTY_CYCLE_MILLIS * 1_000_000L;
    private long lastDutyNanos;
    /** How often the slow gauges (children, viewers, cache) are refreshed: they walk every session. */
    private static final long GAUGES_NANOS = 1_000_000_000L;
    private long lastGaugesNanos;

    private static long wallMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private void dutyCycle() {
        long now = System.nanoTime();
        boolean stalled = lastDutyNanos != 0 && now - lastDutyNanos > STALL_NANOS;
        lastDutyNanos = now;
        core.tick();
        if (now - lastGaugesNanos >= GAUGES_NANOS) {
            lastGaugesNanos = now;
            metrics.gauges(core.childRelays().size(), core.viewerCount(), core.cache().weightedBytes(),
                    core.cache().groups());
            metrics.calibrate(wallMicros(), System.nanoTime());
        }
        if (parentLink != null) {
            if (stalled) {
                // Our own silence is not the parent's: count its silence from now.
                parentLink.stalled(now);
            }
            parentLink.tick(now);
        }
    }

    /**
     * A hand-configured parent list stands in for the controller's placement: the first parent, the others as
     * backups in order. Addresses serve as ids; the relay adopts only hand-configured children (rank 0).
     */
    private void placeStatically() {
        List<Backup> backups = new ArrayList<>();
        for (InetSocketAddress parent : config.parents().subList(1, config.parents().size())) {
            backups.add(new Backup(hostPort(parent), hostPort(parent), Ranks.ROOT));
        }
        String first = hostPort(config.parents().get(0));
        parentLink.placed(new Placement(first, first, RelayCore.UNPLACED - 1, backups));
    }

    static String hostPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** What this relay declares to the controller (in JOIN and every REPORT). */
    private RelayDescription describe() {
        RelayConfig.Tree tree = config.tree();
        String host = tree.advertiseHost() != null ? tree.advertiseHost()
                : server.localAddress().getAddress().isAnyLocalAddress() ? "" : server.localAddress().getHostString();
        String address = (host.contains(":") ? "[" + host + "]" : host) + ":" + server.localAddress().getPort();
        return new RelayDescription(config.nodeId(), address, tree.region(), tree.slots(), edgeUrl, edgeCertificate);
    }

    /**
     * Declares this relay's browser edge (its WebTransport URL prefix and certificate hash), so the ingest's
     * director can send viewers here; included in the next REPORT.
     */
    public void edge(String webTransportUrl, String certificateSha256) {
        this.edgeUrl = webTransportUrl;
        this.edgeCertificate = certificateSha256;
        if (controllerLink != null && loop != null) {
            loop.execute(controllerLink::reportNow);
        }
    }

    /**
     * Declares that this relay serves viewers (its gateway calls this when it starts): with the default
     * {@link RelayConfig.Verify#EDGE} policy it then verifies the signature of every object from upstream.
     */
    public void servesViewers() {
        if (loop != null) {
            loop.execute(verification::servesViewers);
        }
    }

    /**
     * The ingest's Ed25519 public key objects are signed with, base64 of its 32 raw bytes, as configured or learned
     * from the tree controller; "" when this relay does not know it. Players fetch it from {@code /api/edge}.
     */
    public String broadcastKey() {
        return verification == null ? "" : verification.keyBase64();
    }

    /** Whether this relay checks the signature of every object from upstream now. */
    public boolean isVerifying() {
        return loop != null && call(verification::isVerifying);
    }

    /** What the relay does when its agent repairs or gives up. */
    private final class TreeEvents implements ParentLink.Events {
        @Override
        public void repaired(String oldParentId, String newParentId, long tookNanos) {
            if (controllerLink != null) {
                controllerLink.repaired(oldParentId, newParentId, tookNanos);
            }
        }

        @Override
        public void firstObjectAfterRepair(String oldParentId, String newParentId, long tookNanos, long atNanos) {
            repairListener.accept(new Repair(config.nodeId(), oldParentId, newParentId, tookNanos, atNanos));
        }

        @Override
        public void reparented(String oldParentId, String newParentId, long tookNanos) {
            // Not a failure: the old parent lives. The report carries the new parent.
            if (controllerLink != null) {
                controllerLink.reportNow();
            }
        }

        @Override
        public void detached(String reason) {
            if (controllerLink != null) {
                controllerLink.rejoin();
            } else {
                loop.schedule(Relay.this::placeStatically, 500, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * One local repair, reported when the first object from the new parent arrives (the demo prints them).
     *
     * @param tookNanos         from the old parent declared dead (or its link lost) to the new one accepting us
     * @param firstObjectNanos  {@code System.nanoTime()} when the first object from the new parent arrived
     */
    public record Repair(String node, String oldParentId, String newParentId, long tookNanos, long firstObjectNanos) {
    }

    /** Called on the relay's thread after each local repair, once data flows from the new parent. */
    public void onRepair(java.util.function.Consumer<Repair> listener) {
        this.repairListener = listener;
    }

    /**
     * Drains before closing, with zero loss: children move make-before-break while this relay still feeds them.
     * The controller is asked first (it knows where capacity is and sends each child a MOVE); children still here
     * after half the {@code timeout} (or at once, when the controller is away) are told GOAWAY, naming this
     * relay's parent as where to go. Returns once no child relay is left or {@code timeout} passes; it adopts no
     * new child meanwhile. The caller then closes the relay (after its gateway, so viewers are told GOING_AWAY).
     */
    public void drain(Duration timeout) {
        if (closed || loop == null) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean asked = call(() -> {
            core.draining(true);
            if (controllerLink != null && controllerLink.isConnected()) {
                controllerLink.draining();
                return true;
            }
            return false;
        });
        LOG.info("{}: draining {} child relays{}", config.nodeId(), call(() -> core.childRelays().size()),
                asked ? ": the controller moves them" : "");
        if (asked) {
            waitForChildren(System.nanoTime() + timeout.toNanos() / 2);
        }
        String suggestion = call(() -> {
            String parent = parentLink == null ? null : parentLink.parentAddressString();
            GoAway goAway = new GoAway(parent == null ? "" : parent);
            for (DownstreamSession child : core.childRelays()) {
                child.link().send(goAway);
            }
            return core.childRelays().isEmpty() ? null : goAway.address();
        });
        if (suggestion != null) {
            LOG.info("{}: told the remaining children GOAWAY{}", config.nodeId(),
                    suggestion.isEmpty() ? "" : " (to " + suggestion + ")");
            waitForChildren(deadline);
        }
    }

    private void waitForChildren(long deadlineNanos) {
        while (System.nanoTime() < deadlineNanos && call(() -> core.childRelays().size()) > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }

    public RelayConfig config() {
        return config;
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** The bound QUIC address for downstream sessions. */
    public InetSocketAddress quicAddress() {
        return server.localAddress();
    }

    public Certificates certificates() {
        return certificates;
    }

    public RelayMetrics metrics() {
        return metrics;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The thread that owns this relay's state; hand work to it with {@code execute}. */
    public EventLoop eventLoop() {
        return loop;
    }

    /**
     * The relay's media state, for transports that attach to it (e.g. the WebTransport gateway) and run on
     * {@link #eventLoop()}. Only to be used from that thread.
     */
    public RelayCore core() {
        return core;
    }

    /** The local publisher; only at the root. */
    public Origin origin() {
        if (!config.isRoot()) {
            throw new IllegalStateException(config.nodeId() + " is not the root: it has parents " + config.parents());
        }
        return origin;
    }

    /** The parent currently connected, or null (at the root, or while reconnecting). */
    public InetSocketAddress parent() {
        return parentLink == null ? null : call(parentLink::parentAddress);
    }

    /** The id of the parent currently connected, or null. */
    public String parentId() {
        return parentLink == null ? null : call(parentLink::parentId);
    }

    /** This relay's rank in the tree (0 at the root). */
    public long rank() {
        return call(core::rank);
    }

    /** Runs {@code task} on the relay's thread and waits for its result (for tests and status lines). */
    public <T> T call(Callable<T> task) {
        if (loop.inEventLoop()) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return loop.submit(task).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("relay " + config.nodeId() + " did not answer", e);
        }
    }

    /**
     * Stops at once: sessions are closed with GOING_AWAY, sockets closed, media released. (A graceful drain that
     * first hands children over is the tree's business.)
     */
    /**
     * Stops as a crash would (kill -9): the sockets close at once and nothing is sent to anyone, so parents,
     * children and viewers only notice by silence. For tests and the demo's chaos, not for operators.
     */
    public void crash() {
        if (closed || loop == null) {
            return;
        }
        try {
            loop.submit(() -> {
                server.abort();
                if (upstreamEndpoint != null) {
                    upstreamEndpoint.abort();
                }
                if (controllerEndpoint != null) {
                    controllerEndpoint.abort();
                }
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("{}: crash did not complete: {}", config.nodeId(), e.toString());
        }
        LOG.info("{}: crashed (sockets closed without a word)", config.nodeId());
        close();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (loop != null && !loop.isShuttingDown()) {
            try {
                loop.submit(() -> {
                    if (duty != null) {
                        duty.cancel(false);
                    }
                    if (controllerLink != null) {
                        controllerLink.close();
                    }
                    if (parentLink != null) {
                        parentLink.close();
                    }
                    if (core != null) {
                        core.close();
                    }
                }).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("{}: unclean shutdown: {}", config.nodeId(), e.toString());
            }
        }
        if (server != null) {
            server.close();
        }
        if (upstreamEndpoint != null) {
            upstreamEndpoint.close();
        }
        if (controllerEndpoint != null) {
            controllerEndpoint.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        LOG.info("{}: closed", config.nodeId());
    }
}
