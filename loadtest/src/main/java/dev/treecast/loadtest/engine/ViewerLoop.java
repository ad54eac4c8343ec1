package dev.treecast.loadtest.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.loadtest.report.EventLog;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One event loop's share of the viewers: their sockets (one UDP socket per transport, shared by all of them), a
 * ticker that advances their playheads and watchdogs, and the figures of the current interval. Everything here is
 * owned by the loop's thread; other threads go through {@link #submit}-style tasks on the loop.
 */
final class ViewerLoop implements AutoCloseable {
    /** How often playheads, silence watchdogs and watch ends are looked at. */
    static final long TICK_MILLIS = 20;
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);

    final EventLoop loop;
    RunContext context;
    private final InetSocketAddress bind;
    private final List<VirtualViewer> viewers = new ArrayList<>();
    private QuicClientEndpoint quic;
    private QuicClientEndpoint webTransport;
    private ScheduledFuture<?> ticker;
    // The interval's figures.
    private final Histogram latency = new Histogram(MAX_LATENCY_MICROS, 3);
    private long objects;
    private long bytes;
    private long lost;
    private long duplicates;

    ViewerLoop(EventLoop loop, InetSocketAddress bind) {
        this.loop = loop;
        this.bind = bind;
    }

    /** Starts ticking for the run {@code context} describes. Loop thread only. */
    void start(RunContext context) {
        this.context = context;
        ticker = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Binds the loop's two UDP sockets; not on the loop (binding waits for it). */
    void bind() throws InterruptedException {
        quic = QuicClientEndpoint.bind(loop, bind, QuicSettings.DEFAULT, Alpn.TREECAST_1)
                .connectTimeout(Duration.ofSeconds(2));
        webTransport = WebTransportSession.bindEndpoint(loop, bind).connectTimeout(Duration.ofSeconds(2));
    }

    QuicClientEndpoint quic() {
        return quic;
    }

    QuicClientEndpoint webTransport() {
        return webTransport;
    }

    void add(VirtualViewer viewer) {
        viewers.add(viewer);
    }

    void remove(VirtualViewer viewer) {
        viewers.remove(viewer);
    }

    private void tick() {
        long now = context.monotonicNanos().getAsLong();
        // Copy: a tick may end a viewer, which removes it.
        for (VirtualViewer v : viewers.toArray(new VirtualViewer[0])) {
            v.tick(now);
        }
    }

    /** @param live false for the catch-up burst at a join (objects published before the viewer subscribed) */
    void onObject(int payloadBytes, long latencyMicros, boolean live) {
        objects++;
        bytes += payloadBytes;
        if (live) {
            latency.recordValue(Math.max(0, Math.min(latencyMicros, MAX_LATENCY_MICROS)));
        }
    }

    void onLost(long count) {
        lost += count;
    }

    void onDuplicate() {
        duplicates++;
    }

    /** The interval so far, and a fresh one. Loop thread only. */
    EventLog.Interval takeInterval() {
        int stalling = 0;
        for (VirtualViewer v : viewers) {
            stalling += v.stalling() ? 1 : 0;
        }
        EventLog.Interval interval = new EventLog.Interval(viewers.size(), stalling, latency.copy(), objects, bytes,
                -1, lost, duplicates);
        latency.reset();
        objects = 0;
        bytes = 0;
        lost = 0;
        duplicates = 0;
        return interval;
    }

    /** Ends every viewer's watch now (the run is over); they log their totals. Loop thread only. */
    void stopAll() {
        for (VirtualViewer v : viewers.toArray(new VirtualViewer[0])) {
            v.stop();
        }
    }

    /** Ends the watch of every viewer of {@code scenario} (its closed profile is over). Loop thread only. */
    void stopScenario(dev.treecast.loadtest.model.ScenarioSpec scenario) {
        for (VirtualViewer v : viewers.toArray(new VirtualViewer[0])) {
            if (v.scenario() == scenario) {
                v.stop();
            }
        }
    }

    int active() {
        return viewers.size();
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (quic != null) {
            quic.close();
        }
        if (webTransport != null) {
            webTransport.close();
        }
    }
}
