package dev.treecast.relay.core;

import java.util.ArrayDeque;
import java.util.Iterator;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.relay.RelayMetrics;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamPriority;
import io.netty.util.concurrent.Future;

/**
 * One subscriber's view of one track: which groups it has been sent, the streams still open, and the rule that
 * keeps a slow subscriber from holding anything up. Each group goes on its own stream; the newest group gets the
 * highest priority; an older group whose unsent objects are older than the latency budget is reset, so a
 * subscriber that cannot keep up skips ahead instead of queueing forever. Siblings never wait for it: all
 * writes are non-blocking and share the cached buffers.
 *
 * <p>Owned by the relay's event loop thread.
 */
public final class Subscription {
    /**
     * A memory safety net, not the pacing rule (that is the latency budget): more open groups than this and the
     * oldest is reset.
     */
    static final int MAX_OPEN_GROUPS = 64;

    private final long id;
    private final Track track;
    private final DownstreamSession session;
    private final SubscriberLink link;
    private final int priority;
    private final long budgetNanos;
    private final RelayMetrics metrics;
    private final ArrayDeque<GroupSend> open = new ArrayDeque<>();
    /** Groups below this are never sent (they precede where the subscription started). */
    private long floorGroup;
    /** The first object to send of group {@link #startGroup}. */
    private long startGroup = -1;
    private long startObject;
    /**
     * The last groups opened (sent, being sent, or reset), so that late objects of a group already handled do not
     * open it again. Groups may arrive out of order: QUIC delivers streams in no particular order.
     */
    private final long[] recentlyOpened = new long[64];
    private int recentCount;
    private boolean closed;

    Subscription(long id, Track track, DownstreamSession session, int priority, long budgetNanos,
                 RelayMetrics metrics) {
        this.id = id;
        this.track = track;
        this.session = session;
        this.link = session.link();
        this.priority = priority;
        this.budgetNanos = budgetNanos;
        this.metrics = metrics;
    }

    public long id() {
        return id;
    }

    public Track track() {
        return track;
    }

    RelayMetrics metrics() {
        return metrics;
    }

    /** Sends what the cache holds from {@code start} on; later objects follow as they arrive. */
    void start(StartPosition start, GroupCache cache) {
        switch (start) {
            case StartPosition.Latest latest -> {
                CachedGroup newest = track.newest();
                metrics.cacheGet(newest != null);
                if (newest != null) {
                    floorGroup = newest.sequence();
                    open(newest, 0);
                }
            }
            case StartPosition.At at -> {
                startGroup = at.group();
                startObject = at.object();
                floorGroup = at.group();
                for (long g = at.group(); g <= track.latestGroup(); g++) {
                    CachedGroup cached = cache.get(new CachedGroup.Key(track.name(), g));
                    metrics.cacheGet(cached != null);
                    if (cached != null) {
                        open(cached, g == startGroup ? cached.indexOf(startObject) : 0);
                    } else {
                        metrics.resumeGap();
                    }
                }
            }
        }
    }

    /** The group grew or completed: send what is new, opening its stream if this is a new group for us. */
    void onGroupChanged(CachedGroup group) {
        if (closed) {
            return;
        }
        GroupSend send = find(group.sequence());
        if (send != null) {
            send.pump();
        } else if (group.sequence() >= floorGroup && !wasOpened(group.sequence())) {
            open(group, group.sequence() == startGroup ? group.indexOf(startObject) : 0);
        }
    }

    private boolean wasOpened(long sequence) {
        for (int i = 0, n = Math.min(recentCount, recentlyOpened.length); i < n; i++) {
            if (recentlyOpened[i] == sequence) {
                return true;
            }
        }
        return false;
    }

    private GroupSend find(long sequence) {
        // Newest first: nearly always the one.
        Iterator<GroupSend> it = open.descendingIterator();
        while (it.hasNext()) {
            GroupSend send = it.next();
            if (send.sequence() == sequence) {
                return send;
            }
        }
        return null;
    }

    private void open(CachedGroup group, int fromIndex) {
        recentlyOpened[recentCount++ % recentlyOpened.length] = group.sequence();
        if (open.size() >= MAX_OPEN_GROUPS) {
            metrics.groupReset("too-many-open");
            open.peekFirst().reset(ErrorCode.TOO_SLOW);
        }
        if (!link.canOpenStream()) {
            // The subscriber has not finished reading enough earlier streams to let us open another.
            metrics.groupReset("stream-limit");
            return;
        }
        GroupSend newest = open.peekLast();
        boolean isNewest = newest == null || newest.sequence() < group.sequence();
        GroupSend send = new GroupSend(this, group, fromIndex);
        if (isNewest) {
            if (newest != null) {
                newest.prioritize(olderPriority());
            }
            open.addLast(send);
        } else {
            insertInOrder(send);
        }
        link.openGroupStream(new GroupHeader(id, group.sequence(), priority),
                        isNewest ? newestPriority() : olderPriority())
                .addListener((Future<QuicStreamChannel> f) -> send.onOpened(f));
    }

    /** Keeps {@link #open} sorted by group, oldest first, when a late group is opened. */
    private void insertInOrder(GroupSend send) {
        GroupSend[] sends = open.toArray(new GroupSend[0]);
        open.clear();
        boolean inserted = false;
        for (GroupSend s : sends) {
            if (!inserted && s.sequence() > send.sequence()) {
                open.addLast(send);
                inserted = true;
            }
            open.addLast(s);
        }
        if (!inserted) {
            open.addLast(send);
        }
    }

    private QuicStreamPriority newestPriority() {
        return dev.treecast.transport.StreamPriorities.newestGroup(priority);
    }

    private QuicStreamPriority olderPriority() {
        return dev.treecast.transport.StreamPriorities.olderGroup(priority);
    }

    /**
     * Resets every group but the newest whose unsent objects are older than the budget. The newest group is
     * never reset: there is nothing newer to skip to, and the subscriber is already on it.
     */
    void enforceBudget(long nowNanos) {
        if (open.size() < 2) {
            return;
        }
        GroupSend newest = open.peekLast();
        // Copy: reset() removes from the deque through onSendFinished.
        GroupSend[] sends = open.toArray(new GroupSend[0]);
        for (GroupSend send : sends) {
            if (send != newest && send.isBehind(nowNanos, budgetNanos)) {
                metrics.groupReset("latency-budget");
                send.reset(ErrorCode.TOO_SLOW);
            }
        }
    }

    void onSendFinished(GroupSend send) {
        open.remove(send);
    }

    void onSendFailed(GroupSend send, String why) {
        metrics.groupReset("open-failed");
    }

    /**
     * Ends the subscription: open group streams are reset with {@code code}. Resetting also drops their unsent
     * bytes, which matters when the whole session closes: a congestion window full of stale data would otherwise
     * keep the CONNECTION_CLOSE from leaving, and the peer would only notice at its idle timeout.
     */
    void close(ErrorCode code) {
        if (closed) {
            return;
        }
        closed = true;
        for (GroupSend send : open.toArray(new GroupSend[0])) {
            send.reset(code);
        }
        open.clear();
    }

    boolean isClosed() {
        return closed;
    }

    DownstreamSession session() {
        return session;
    }

    int openGroups() {
        return open.size();
    }

    @Override
    public String toString() {
        return "Subscription[" + id + " " + track.name() + " → " + link.describe() + "]";
    }
}
