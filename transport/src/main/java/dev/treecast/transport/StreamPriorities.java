package dev.treecast.transport;

import io.netty.handler.codec.quic.QuicStreamPriority;

/**
 * Send priorities (RFC 9218 urgency, lower first) of every stream we write, for quiche's scheduler, which sends the
 * most urgent stream with data first and gives a stream nobody prioritised urgency 127: the very last place.
 *
 * <p>Control streams come first. Their messages are small and everything waits on them: SUBSCRIBE_OK before a
 * repaired child counts its new parent as connected, heartbeat echoes before a parent counts as alive, GOAWAY before
 * a drain. Left at quiche's default they waited behind every media byte the congestion window let out, which on a
 * lossy link (window collapsed, a catch-up burst queued) held SUBSCRIBE replies for over a second: repairs were
 * abandoned as timed out and live parents declared dead.
 *
 * <p>Media follows: a subscription's newest group before its older ones (urgency 1-4 and 5-8 by the subscriber's
 * priority 0-3), so a late group never holds back the live edge.
 */
public final class StreamPriorities {
    /** Every control stream, on both sides of a session: before all media. */
    public static final QuicStreamPriority CONTROL = new QuicStreamPriority(0, false);

    private static final int LEVELS = 4;
    /** Made once: a relay reprioritises a stream at every new group of every subscription. */
    private static final QuicStreamPriority[] NEWEST = new QuicStreamPriority[LEVELS];
    private static final QuicStreamPriority[] OLDER = new QuicStreamPriority[LEVELS];

    static {
        for (int p = 0; p < LEVELS; p++) {
            NEWEST[p] = new QuicStreamPriority(1 + p, false);
            OLDER[p] = new QuicStreamPriority(1 + LEVELS + p, false);
        }
    }

    private StreamPriorities() {
    }

    /** The newest group of a subscription of {@code priority} (0 most important; above 3 counts as 3). */
    public static QuicStreamPriority newestGroup(int priority) {
        return NEWEST[clamp(priority)];
    }

    /** An older group of a subscription of {@code priority}: after every subscription's newest group. */
    public static QuicStreamPriority olderGroup(int priority) {
        return OLDER[clamp(priority)];
    }

    private static int clamp(int priority) {
        return Math.max(0, Math.min(priority, LEVELS - 1));
    }
}
