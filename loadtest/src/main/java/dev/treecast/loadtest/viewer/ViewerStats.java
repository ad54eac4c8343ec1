package dev.treecast.loadtest.viewer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

import dev.treecast.protocol.ErrorCode;

/**
 * What the viewers of one event loop received of the objects stamped (by the ingest) within a window. Owned by that
 * loop's thread, which alone writes it (one histogram and a few counters for thousands of viewers, instead of a
 * histogram each); other threads go through a task run on the loop ({@code loop.submit(stats::snapshot)}).
 *
 * <p>Objects are counted by their ingest timestamp, not by when they arrive, so a window holds exactly the objects
 * the ingest published in it, however late each one arrives: what was expected is then known exactly.
 */
public final class ViewerStats {
    /** Latencies above this are recorded as this (a minute late is as lost as an hour). */
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);

    private final long onTimeMicros;
    private final Histogram latency = new Histogram(MAX_LATENCY_MICROS, 3);
    private long startMicros = Long.MAX_VALUE;
    private long endMicros = Long.MAX_VALUE;
    private long objects;
    private long bytes;
    private long onTime;
    private long lost;
    private long groupsReset;
    private long sessionsClosed;

    /** @param onTime an object is on time if it arrives within this of its ingest timestamp */
    public ViewerStats(Duration onTime) {
        this.onTimeMicros = onTime.toNanos() / 1000;
    }

    /**
     * What was counted in the window: objects, bytes, on time and latency for the objects stamped in it; objects
     * missing, groups reset and sessions closed as they happened after {@link #window} was called.
     */
    public record Snapshot(long objects, long bytes, long onTime, long lost, long groupsReset, long sessionsClosed,
                           Histogram latencyMicros) {
    }

    /**
     * Starts counting afresh: objects whose ingest timestamp (wall clock, µs) is in [{@code startMicros},
     * {@code endMicros}). Loop thread only.
     */
    public void window(long startMicros, long endMicros) {
        this.startMicros = startMicros;
        this.endMicros = endMicros;
        objects = 0;
        bytes = 0;
        onTime = 0;
        lost = 0;
        groupsReset = 0;
        sessionsClosed = 0;
        latency.reset();
    }

    void onObject(int payloadBytes, long timestampMicros, long nowMicros) {
        if (timestampMicros < startMicros || timestampMicros >= endMicros) {
            return;
        }
        objects++;
        bytes += payloadBytes;
        long clamped = Math.max(0, Math.min(nowMicros - timestampMicros, MAX_LATENCY_MICROS));
        if (clamped <= onTimeMicros) {
            onTime++;
        }
        latency.recordValue(clamped);
    }

    void onLost(long count) {
        lost += count;
    }

    void onGroupEnd(ErrorCode code) {
        if (code != ErrorCode.NO_ERROR) {
            groupsReset++;
        }
    }

    void onSessionClosed() {
        sessionsClosed++;
    }

    /** The window so far, with a copy of the histogram. Loop thread only. */
    public Snapshot snapshot() {
        return new Snapshot(objects, bytes, onTime, lost, groupsReset, sessionsClosed, latency.copy());
    }
}
