package dev.treecast.tree.sim;

import java.util.PriorityQueue;

/**
 * A simulated clock and its timed events: each event runs at its time, ties in the order they were scheduled, so a
 * run is deterministic for a given seed. Not thread-safe.
 */
public final class EventQueue {
    private record Event(long at, long order, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long now;
    private long order;
    private long processed;

    /** The simulated time in nanoseconds. */
    public long now() {
        return now;
    }

    /** Events run so far. */
    public long processed() {
        return processed;
    }

    /** Events waiting. */
    public int pending() {
        return queue.size();
    }

    /** Runs {@code action} {@code delayNanos} from now (0 or negative: next, after what is already due now). */
    public void after(long delayNanos, Runnable action) {
        queue.add(new Event(now + Math.max(0, delayNanos), order++, action));
    }

    /** Runs {@code action} at {@code atNanos} (no earlier than now). */
    public void at(long atNanos, Runnable action) {
        queue.add(new Event(Math.max(now, atNanos), order++, action));
    }

    /** Runs the next event if it is due by {@code untilNanos}; false (and the clock moves to untilNanos) if none. */
    public boolean step(long untilNanos) {
        Event e = queue.peek();
        if (e == null || e.at > untilNanos) {
            now = Math.max(now, untilNanos);
            return false;
        }
        queue.poll();
        now = e.at;
        processed++;
        e.action.run();
        return true;
    }

    /** Runs every event due by {@code untilNanos}, then sets the clock there. */
    public void runUntil(long untilNanos) {
        while (step(untilNanos)) {
            // keep going
        }
    }
}
