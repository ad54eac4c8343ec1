package dev.treecast.relay.core;

import java.util.ArrayList;
import java.util.List;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.RelayMetrics;

/**
 * One track at this relay: its groups (through the cache), its newest group, and its subscribers. Objects come
 * in once, from upstream or from the local publisher, and go out to every subscriber from the same buffers.
 *
 * <p>Owned by the relay's event loop thread.
 */
public final class Track {
    /** Where the track's data stands. */
    public enum State {
        /** Asked upstream, no answer yet. */
        PENDING,
        /** Data flows (or will, once the publisher sends). */
        LIVE
    }

    private final TrackName name;
    private final GroupCache cache;
    private final RelayMetrics metrics;
    private final List<Subscription> subscribers = new ArrayList<>();
    private State state;
    private CachedGroup newest;
    private long latestGroup = -1;
    private long lingerSinceNanos = -1;
    /** Recent groups not yet complete, oldest first: where a resume must start. */
    private final java.util.TreeSet<Long> incomplete = new java.util.TreeSet<>();
    private static final int MAX_TRACKED_INCOMPLETE = 16;

    Track(TrackName name, State state, GroupCache cache, RelayMetrics metrics) {
        this.name = name;
        this.state = state;
        this.cache = cache;
        this.metrics = metrics;
    }

    public TrackName name() {
        return name;
    }

    public State state() {
        return state;
    }

    void live() {
        state = State.LIVE;
    }

    /** The newest group (the track holds a reference to it), or null before any data. */
    public CachedGroup newest() {
        return newest;
    }

    /** The highest group sequence seen, or -1. */
    public long latestGroup() {
        return latestGroup;
    }

    /**
     * Where a resumed upstream subscription must start so that nothing is missed: the object after the last one
     * of the oldest group still incomplete, or else the next group after the newest. Null before any data. What
     * the new parent then sends that we already have is dropped as a duplicate.
     */
    public StartPosition.At resumePosition() {
        if (newest == null) {
            return null;
        }
        for (Long g : incomplete) {
            CachedGroup group = find(g);
            if (group != null && !group.isComplete() && group.abortCode() == null) {
                return new StartPosition.At(g, group.lastSequence() + 1);
            }
        }
        if (newest.isComplete()) {
            return new StartPosition.At(newest.sequence() + 1, 0);
        }
        return new StartPosition.At(newest.sequence(), newest.lastSequence() + 1);
    }

    public List<Subscription> subscribers() {
        return subscribers;
    }

    void add(Subscription subscription) {
        subscribers.add(subscription);
        lingerSinceNanos = -1;
    }

    void remove(Subscription subscription, long nowNanos) {
        subscribers.remove(subscription);
        if (subscribers.isEmpty()) {
            lingerSinceNanos = nowNanos;
        }
    }

    /** Since when the track has had no subscriber, or -1. */
    long lingerSinceNanos() {
        return lingerSinceNanos;
    }

    /**
     * An object of {@code group} arrived; ownership of {@code object} passes to the track. Duplicates (an object
     * at or before the group's last one, as after a resume that overlapped) are dropped and counted.
     */
    void onObject(long group, ObjectFrame object, long nowNanos) {
        CachedGroup target = groupFor(group);
        if (object.sequence() <= target.lastSequence()) {
            metrics.duplicate();
            object.release();
            return;
        }
        metrics.received(object.wireLength());
        metrics.arrived(object.timestampMicros(), nowNanos);
        target.append(object, nowNanos);
        cache.touch(target);
        for (int i = 0, n = subscribers.size(); i < n; i++) {
            subscribers.get(i).onGroupChanged(target);
        }
    }

    /** {@code group}'s stream ended cleanly: subscribers get FIN after its last object. */
    void onGroupEnd(long group) {
        CachedGroup target = find(group);
        if (target == null || target.isComplete()) {
            return;
        }
        target.markComplete();
        incomplete.remove(group);
        for (int i = 0, n = subscribers.size(); i < n; i++) {
            subscribers.get(i).onGroupChanged(target);
        }
    }

    /** {@code group}'s upstream stream was reset: subscribers' streams of it are reset with the same code. */
    void onGroupAborted(long group, ErrorCode code) {
        CachedGroup target = find(group);
        if (target == null || target.isComplete() || target.abortCode() != null) {
            return;
        }
        target.abort(code);
        incomplete.remove(group);
        for (int i = 0, n = subscribers.size(); i < n; i++) {
            subscribers.get(i).onGroupChanged(target);
        }
    }

    private CachedGroup find(long group) {
        if (newest != null && newest.sequence() == group) {
            return newest;
        }
        return cache.get(new CachedGroup.Key(name, group));
    }

    private CachedGroup groupFor(long group) {
        CachedGroup found = find(group);
        if (found != null) {
            return found;
        }
        CachedGroup created = new CachedGroup(name, group);
        cache.add(created);
        incomplete.add(group);
        while (incomplete.size() > MAX_TRACKED_INCOMPLETE) {
            incomplete.pollFirst();
        }
        if (group > latestGroup) {
            latestGroup = group;
            if (newest != null) {
                newest.release();
            }
            newest = created;
            metrics.group();
        } else {
            // An older group arriving late (e.g. a resumed upstream filling a gap): cached, not newest.
            created.release();
        }
        return created;
    }

    /**
     * Periodic duty: reset what slow subscribers can no longer use, and give up on an older group that has
     * received nothing for {@code stallNanos} while newer ones flow (its upstream stream was cut and no resume
     * filled it), so that its downstream streams end instead of waiting forever.
     */
    void enforceBudgets(long nowNanos, long stallNanos) {
        for (int i = 0, n = subscribers.size(); i < n; i++) {
            subscribers.get(i).enforceBudget(nowNanos);
        }
        if (newest == null || incomplete.isEmpty()) {
            return;
        }
        for (Long g : incomplete.toArray(new Long[0])) {
            if (g >= newest.sequence()) {
                break;
            }
            CachedGroup group = find(g);
            if (group == null) {
                incomplete.remove(g);
            } else if (group.size() > 0 && nowNanos - group.arrivalNanos(group.size() - 1) > stallNanos) {
                metrics.upstreamGroupAborted();
                onGroupAborted(g, ErrorCode.UPSTREAM_LOST);
            }
        }
    }

    /** The track is gone (refused upstream, or the relay closes): every subscriber is told why. */
    void close(ErrorCode code) {
        for (Subscription s : subscribers.toArray(new Subscription[0])) {
            s.close(code);
        }
        subscribers.clear();
        if (newest != null) {
            newest.release();
            newest = null;
        }
    }

    @Override
    public String toString() {
        return "Track[" + name + " " + state + ", latest group " + latestGroup + ", " + subscribers.size()
                + " subscribers]";
    }
}
