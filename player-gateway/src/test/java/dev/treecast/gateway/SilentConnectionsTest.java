package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.relay.core.Limits;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.Future;

/**
 * A thousand connections that complete the TLS handshake and then say nothing, not even SETUP (a cheap way to
 * exhaust a server), on the relay's own QUIC port and on its WebTransport gateway at once, in two waves, while honest
 * viewers on both watch: the handshake timeout closes every one of them with TIMEOUT and counts it, the relay's
 * per-connection state goes back to the honest viewers', the second wave leaves the heap where the first did (what
 * they cost is given back, not kept per connection), and the viewers see nothing of it.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SilentConnectionsTest {
    private static final int QUIC_CONNECTIONS = 1000;
    /** Fewer than over raw QUIC: each also makes the gateway open three HTTP/3 streams, on a 2-core machine. */
    private static final int WEBTRANSPORT_CONNECTIONS = 500;
    private static final int BATCH = 50;
    /** Shorter than the default (10 s), so that two waves fit in a short test; the mechanism is the same. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(4);

    private Relay edge;
    private Gateway gateway;
    private HonestViewers honest;
    private EventLoopGroup crowdLoop;
    private final List<QuicClientEndpoint> endpoints = new ArrayList<>();

    private static ResourceLeakDetector.Level leakLevel;

    /**
     * Paranoid leak tracking (the surefire default) records every access to every buffer: with 1,500 handshakes
     * on two cores that alone slows the relay's thread past what it is tested for. Sampling still reports leaks.
     */
    @BeforeAll
    static void sampleLeaks() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    }

    @AfterAll
    static void restoreLeakLevel() {
        ResourceLeakDetector.setLevel(leakLevel);
    }

    @AfterEach
    void stop() {
        if (honest != null) {
            honest.close();
        }
        endpoints.forEach(QuicClientEndpoint::close);
        if (crowdLoop != null) {
            crowdLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (edge != null) {
            edge.close();
        }
    }

    /** What one wave of silent connections did. */
    private record Wave(long openedMillis, long closedMillis, int peakQuic, int peakWebTransport, int openAtPeak,
                        Memory atPeak, Memory after) {
    }

    @Test
    void connectionsThatNeverSetUpAreClosedByTheHandshakeTimeoutAndCostNothingOnceGone() throws Exception {
        // One relay, the root, with its gateway, with the default limits but a shorter handshake timeout.
        edge = new Relay(RelayConfig.builder().nodeId("edge")
                .limits(Limits.DEFAULT.withHandshakeTimeout(HANDSHAKE_TIMEOUT)).build()).start();
        gateway = new Gateway(edge, GatewayConfig.builder().handshakeTimeout(HANDSHAKE_TIMEOUT).build()).start();
        // The handshake timeout ends them, not the QUIC idle timeout (which would, too, but without a word).
        assertThat(edge.config().downstream().idleTimeout()).isGreaterThan(HANDSHAKE_TIMEOUT);
        assertThat(gateway.config().idleTimeout()).isGreaterThan(HANDSHAKE_TIMEOUT);
        honest = new HonestViewers(edge, edge).join(2, 2, gateway);
        // Full collections stop every thread: the baseline is taken before the viewers watch.
        Memory before = Memory.now();
        honest.startPublishing();
        assertThat(edge.metrics().connections()).isEqualTo(2);
        assertThat(gateway.metrics().connections()).isEqualTo(2);
        assertThat(edge.call(() -> edge.core().sessionCount())).isEqualTo(4);

        Wave first = wave(1);
        Wave second = wave(2);
        HonestViewers.Report report = honest.stopAndCheck(Duration.ofSeconds(1));

        for (Wave w : List.of(first, second)) {
            System.out.printf("silent connections: %d over QUIC + %d over WebTransport opened in %d ms, all closed"
                            + " with TIMEOUT after %d ms; peak open %d + %d; heap used after GC: before %s, with %d"
                            + " open %s (%s per connection, both ends), after they closed %s; process RSS: before %s,"
                            + " at the peak %s, after %s%n", QUIC_CONNECTIONS, WEBTRANSPORT_CONNECTIONS,
                    w.openedMillis(), w.closedMillis(), w.peakQuic(), w.peakWebTransport(), mib(before.heap()),
                    w.openAtPeak(), mib(w.atPeak().heap()), kib((w.atPeak().heap() - before.heap()) / w.openAtPeak()),
                    mib(w.after().heap()), mib(before.rss()), mib(w.atPeak().rss()), mib(w.after().rss()));
        }
        System.out.printf("limits hit: relay %s, gateway %s; %s%n", edge.metrics().limitsHit(),
                gateway.metrics().limitsHit(), report);

        // Bounded: the first wave leaves some one-time growth behind (pools and caches sized by the peak, the
        // viewers' recordings); the second leaves the heap where the first did, give or take the recordings
        // (about 1 MiB a wave). 3 KiB kept per connection would show as 4 MiB.
        assertThat(first.after().heap() - before.heap()).as("heap kept after the first wave").isLessThan(24L << 20);
        assertThat(second.after().heap() - first.after().heap()).as("heap kept after the second wave")
                .isLessThan(4L << 20);
        for (Wave w : List.of(first, second)) {
            assertThat((w.atPeak().heap() - before.heap()) / w.openAtPeak()).as("heap per open connection")
                    .isLessThan(256L << 10);
        }
        assertThat(report.objectsPublished()).as("objects published meanwhile").isGreaterThan(200);
        assertThat(edge.metrics().groupsReset()).as("groups reset at the edge").isZero();
    }

    /**
     * Opens the silent connections (in batches, each waiting for its handshakes), checks that each is closed with
     * TIMEOUT and counted, and that the relay is back to the honest viewers' state; then closes the attackers'
     * endpoints (a client endpoint keeps its closed connections' state until it is closed).
     */
    private Wave wave(int number) throws Exception {
        long quicBefore = edge.metrics().limitsHit("handshake-timeout");
        long webTransportBefore = gateway.metrics().limitsHit("handshake-timeout");
        crowdLoop = Transports.newGroup(1, "silent-crowd-" + number);
        // A client idle timeout far beyond the handshake timeout: the relay must be the one that gives up.
        QuicSettings patient = QuicSettings.DEFAULT.withIdleTimeout(Duration.ofSeconds(60));
        QuicClientEndpoint quic = endpoint(patient, Alpn.TREECAST_1);
        QuicClientEndpoint h3 = endpoint(patient, Gateway.ALPN_H3);
        long startNanos = System.nanoTime();
        List<CompletableFuture<QuicConnectionCloseEvent>> closes = new ArrayList<>();
        int peakQuic = 0;
        int peakWebTransport = 0;
        for (int opened = 0; opened < Math.max(QUIC_CONNECTIONS, WEBTRANSPORT_CONNECTIONS); opened += BATCH) {
            List<Future<QuicChannel>> batch = new ArrayList<>();
            if (opened < QUIC_CONNECTIONS) {
                batch.addAll(openSilently(quic, edge.quicAddress(), Math.min(BATCH, QUIC_CONNECTIONS - opened),
                        closes));
            }
            if (opened < WEBTRANSPORT_CONNECTIONS) {
                batch.addAll(openSilently(h3, gateway.webTransportAddress(),
                        Math.min(BATCH, WEBTRANSPORT_CONNECTIONS - opened), closes));
            }
            for (Future<QuicChannel> f : batch) {
                assertThat(f.await(10, TimeUnit.SECONDS)).as("handshake completed").isTrue();
                assertThat(f.isSuccess()).as("handshake succeeded: %s", f.cause()).isTrue();
            }
            peakQuic = Math.max(peakQuic, edge.metrics().connections());
            peakWebTransport = Math.max(peakWebTransport, gateway.metrics().connections());
        }
        long openedMillis = (System.nanoTime() - startNanos) / 1_000_000;
        // The first ones may be closed already (each lives for the handshake timeout): the heap is measured with
        // what is open now.
        int openAtPeak = edge.metrics().connections() + gateway.metrics().connections() - 4;
        Memory atPeak = Memory.now();
        assertThat(openAtPeak).as("silent connections open together").isGreaterThan(2 * BATCH);

        Await.until("every silent connection closed", Duration.ofSeconds(30),
                () -> closes.stream().allMatch(CompletableFuture::isDone),
                () -> closes.stream().filter(CompletableFuture::isDone).count() + " closed");
        long closedMillis = (System.nanoTime() - startNanos) / 1_000_000;
        Map<String, Integer> codes = new TreeMap<>();
        for (CompletableFuture<QuicConnectionCloseEvent> close : closes) {
            QuicConnectionCloseEvent event = close.getNow(null);
            String how = event == null ? "no CONNECTION_CLOSE"
                    : (event.isApplicationClose() ? "application " : "transport ") + ErrorCode.of(event.error());
            codes.merge(how, 1, Integer::sum);
        }
        assertThat(codes).as("how the silent connections were closed")
                .containsExactly(Map.entry("application " + ErrorCode.TIMEOUT, QUIC_CONNECTIONS
                        + WEBTRANSPORT_CONNECTIONS));
        assertThat(edge.metrics().limitsHit("handshake-timeout") - quicBefore).isEqualTo(QUIC_CONNECTIONS);
        assertThat(gateway.metrics().limitsHit("handshake-timeout") - webTransportBefore)
                .isEqualTo(WEBTRANSPORT_CONNECTIONS);
        Await.until("the relay's connections back to the honest viewers'", Duration.ofSeconds(5),
                () -> edge.metrics().connections() == 2 && gateway.metrics().connections() == 2,
                () -> edge.metrics().connections() + " + " + gateway.metrics().connections());
        assertThat(edge.call(() -> edge.core().sessionCount())).isEqualTo(4);
        assertThat(gateway.sessionCount()).isEqualTo(2);

        endpoints.forEach(QuicClientEndpoint::close);
        endpoints.clear();
        crowdLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        crowdLoop = null;
        return new Wave(openedMillis, closedMillis, peakQuic, peakWebTransport, openAtPeak, atPeak, Memory.now());
    }

    private QuicClientEndpoint endpoint(QuicSettings settings, String alpn) throws InterruptedException {
        QuicClientEndpoint endpoint = QuicClientEndpoint.bind(crowdLoop.next(),
                new InetSocketAddress("127.0.0.1", 0), settings, alpn).connectTimeout(Duration.ofSeconds(10));
        endpoints.add(endpoint);
        return endpoint;
    }

    /** Opens {@code count} connections that will say nothing after the handshake; records how each is closed. */
    private static List<Future<QuicChannel>> openSilently(QuicClientEndpoint endpoint, InetSocketAddress server,
                                                          int count,
                                                          List<CompletableFuture<QuicConnectionCloseEvent>> closes) {
        List<Future<QuicChannel>> handshakes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CompletableFuture<QuicConnectionCloseEvent> closed = new CompletableFuture<>();
            closes.add(closed);
            handshakes.add(endpoint.connect(server, new CloseRecorder(closed), Discard.INSTANCE));
        }
        return handshakes;
    }

    /** Completes with the peer's CONNECTION_CLOSE, or null if the connection ended without one. */
    static final class CloseRecorder extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<QuicConnectionCloseEvent> closed;

        CloseRecorder(CompletableFuture<QuicConnectionCloseEvent> closed) {
            this.closed = closed;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicConnectionCloseEvent e) {
                closed.complete(e);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.complete(null);
            ctx.fireChannelInactive();
        }
    }

    /** Reads and drops whatever the server sends on its streams (the gateway's HTTP/3 control and QPACK streams). */
    @ChannelHandler.Sharable
    static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A stream of a connection being closed: nothing to do.
        }
    }

    /** Heap in use after a full collection, and the process's resident memory (heap, native QUIC state, ...). */
    record Memory(long heap, long rss) {
        static Memory now() {
            System.gc();
            return new Memory(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), residentBytes());
        }

        private static long residentBytes() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: unknown
            }
            return -1;
        }
    }

    static String mib(long bytes) {
        return bytes < 0 ? "?" : String.format("%.1f MiB", bytes / 1048576.0);
    }

    static String kib(long bytes) {
        return String.format("%.1f KiB", bytes / 1024.0);
    }
}
