package dev.treecast.relay;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Ticker;

import dev.treecast.relay.core.GroupCache;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.relay.quic.RawQuicAcceptor;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.Certificates;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicServer;
import dev.treecast.transport.Transports;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
    /** How often latency budgets, idle tracks and cache expiry are looked at. */
    private static final long DUTY_CYCLE_MILLIS = 50;

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
    private volatile boolean closed;

    public Relay(RelayConfig config) {
        this(config, new SimpleMeterRegistry());
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
        GroupCache cache = new GroupCache(config.cacheBytes(), config.cacheDuration(), Ticker.systemTicker());
        try {
            if (!config.isRoot()) {
                upstreamEndpoint = QuicClientEndpoint.bind(loop, config.upstream(), Alpn.TREECAST_1)
                        .connectTimeout(Duration.ofSeconds(1));
                ClientSession.Options options = ClientSession.Options.relay(config.nodeId());
                parentLink = new ParentLink(upstreamEndpoint, config.parents(),
                        new ClientSession.Options(options.nodeId(), options.role(), options.heartbeat(),
                                config.maxPayload()));
            }
            core = new RelayCore(config.nodeId(), cache, metrics, parentLink, config.budgets(), config.linger(),
                    System::nanoTime);
            if (parentLink != null) {
                parentLink.attach(core);
            }
            RawQuicAcceptor acceptor = new RawQuicAcceptor(core);
            server = QuicServer.bind(loop, config.bind(), certificates, config.downstream(),
                    acceptor.connectionHandler(), acceptor.streamHandler(), Alpn.TREECAST_1);
            origin = new Origin(loop, core);
            duty = loop.scheduleAtFixedRate(core::tick, DUTY_CYCLE_MILLIS, DUTY_CYCLE_MILLIS, TimeUnit.MILLISECONDS);
            if (parentLink != null) {
                loop.execute(parentLink::start);
            }
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("{}: relay listening on quic {} ({}), {}", config.nodeId(), server.localAddress(),
                Transports.describe(), config.isRoot() ? "root of the tree" : "parents " + config.parents());
        return this;
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
        return parentLink == null ? null : call(parentLink::parent);
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
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        LOG.info("{}: closed", config.nodeId());
    }
}
