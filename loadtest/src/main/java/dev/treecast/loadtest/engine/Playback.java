package dev.treecast.loadtest.engine;

/**
 * A simulated player's buffer and playhead, for one video track, driven by {@code (event, nowNanos)}: no thread,
 * no clock. Media time is the ingest timestamp of each object (µs): an object stamped {@code ts} is played from
 * {@code ts} until the next one's stamp, so the buffer reaches {@code newest stamp + one object's duration}
 * (the duration is the last gap between two consecutive stamps).
 *
 * <p>Playback starts once {@code startupBuffer} of media is buffered (that moment is the first frame), the
 * playhead then advances in real time. When it reaches the end of the buffer the player stalls (from the exact
 * moment the buffer ran dry, not from when it is noticed) and resumes once {@code startupBuffer} is buffered
 * again, as a browser waits for enough data. No catch-up: after a stall the player stays that much further behind.
 */
public final class Playback {
    /** What a call changed, for the caller to record. */
    public enum Change { NONE, FIRST_FRAME, STALL_STARTED, STALL_ENDED }

    private final long startupBufferMicros;
    private final long startNanos;
    private long firstStamp = Long.MIN_VALUE;
    private long newestStamp = Long.MIN_VALUE;
    private long frameMicros;
    private boolean playing;
    private boolean stalled;
    /** While playing: the playhead was at {@code anchorMedia} at {@code anchorNanos}. */
    private long anchorNanos;
    private long anchorMedia;
    private long firstFrameNanos = -1;
    private long stallStartNanos;
    private long lastStallNanos;
    private long stalls;
    private long stalledNanos;

    /** @param startNanos when the viewer started watching (time to first frame counts from here) */
    public Playback(long startupBufferMicros, long startNanos) {
        this.startupBufferMicros = Math.max(0, startupBufferMicros);
        this.startNanos = startNanos;
    }

    /**
     * A video object stamped {@code stampMicros} arrived at {@code nowNanos}. If the buffer ran dry before it came
     * and it refills the buffer enough at once, the stall is started and ended in this one call
     * ({@link Change#STALL_ENDED}: the caller sees the stall's length).
     */
    public Change onMedia(long stampMicros, long nowNanos) {
        Change ticked = tick(nowNanos); // with the buffer as it was until now
        if (firstStamp == Long.MIN_VALUE) {
            firstStamp = stampMicros;
        }
        if (stampMicros > newestStamp) {
            if (newestStamp != Long.MIN_VALUE) {
                frameMicros = stampMicros - newestStamp;
            }
            newestStamp = stampMicros;
        }
        // An object's duration is known from the second one on; before that nothing can be played.
        if (!playing && firstFrameNanos < 0 && frameMicros > 0 && buffered(firstStamp) >= startupBufferMicros) {
            playing = true;
            firstFrameNanos = nowNanos;
            anchorNanos = nowNanos;
            anchorMedia = firstStamp;
            return Change.FIRST_FRAME;
        }
        if (stalled && buffered(anchorMedia) >= Math.max(startupBufferMicros, 1)) {
            stalled = false;
            playing = true;
            stalledNanos += nowNanos - stallStartNanos;
            lastStallNanos = nowNanos - stallStartNanos;
            anchorNanos = nowNanos;
            return Change.STALL_ENDED;
        }
        return ticked;
    }

    /** Time passes: the playhead advances, and may run out of buffer. */
    public Change tick(long nowNanos) {
        if (!playing) {
            return Change.NONE;
        }
        long end = bufferEnd();
        long head = anchorMedia + (nowNanos - anchorNanos) / 1000;
        if (head <= end) {
            return Change.NONE;
        }
        // Ran dry when the playhead reached the end of the buffer, which may be before now.
        playing = false;
        stalled = true;
        stalls++;
        stallStartNanos = anchorNanos + (end - anchorMedia) * 1000;
        anchorMedia = end;
        return Change.STALL_STARTED;
    }

    /** Ends the session at {@code nowNanos}: a stall in progress is counted up to then. */
    public void end(long nowNanos) {
        if (stalled) {
            stalled = false;
            stalledNanos += Math.max(0, nowNanos - stallStartNanos);
            lastStallNanos = Math.max(0, nowNanos - stallStartNanos);
        }
        playing = false;
    }

    private long bufferEnd() {
        return newestStamp + frameMicros;
    }

    private long buffered(long playhead) {
        return newestStamp == Long.MIN_VALUE ? 0 : bufferEnd() - playhead;
    }

    /** Whether playback has started (a first frame was shown). */
    public boolean started() {
        return firstFrameNanos >= 0;
    }

    public boolean stalled() {
        return stalled;
    }

    /** Time to first frame, or -1 before it. */
    public long startupNanos() {
        return firstFrameNanos < 0 ? -1 : firstFrameNanos - startNanos;
    }

    public long firstFrameNanos() {
        return firstFrameNanos;
    }

    /** When the current or last stall began. */
    public long stallStartNanos() {
        return stallStartNanos;
    }

    /** How long the last finished stall lasted. */
    public long lastStallNanos() {
        return lastStallNanos;
    }

    public long stalls() {
        return stalls;
    }

    /** Stalled time so far, the current stall included up to {@code nowNanos}. */
    public long stalledNanos(long nowNanos) {
        return stalledNanos + (stalled ? Math.max(0, nowNanos - stallStartNanos) : 0);
    }
}
