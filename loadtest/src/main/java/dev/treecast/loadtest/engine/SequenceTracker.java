package dev.treecast.loadtest.engine;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;

/**
 * Objects lost or received twice on one track, by sequence: a group's objects are numbered from 0, groups by
 * increasing numbers that need not be consecutive (the ingest numbers them from the wall clock), so whole groups
 * missing are found only with a {@link Ledger} of what was published. No thread, no clock. The last few groups are kept open (groups travel on parallel streams, and
 * a repaired or reconnected subscription may deliver a group's tail later); a group is judged when it falls out of
 * that window or at {@link #finish}:
 * <ul>
 * <li>objects of a group whose end is known (its stream finished cleanly): end minus what arrived;</li>
 * <li>a group that did not finish: holes below its highest object, plus, when it is not the newest group, the
 *     missing tail, counted as the track's usual group size (the median of the finished groups);</li>
 * <li>groups never seen between two seen groups: what the ledger says they held (nothing without one).</li>
 * </ul>
 * The newest group at {@link #finish} counts only its holes (its tail may simply not be published yet).
 */
public final class SequenceTracker {
    private static final int OPEN_GROUPS = 4;
    private static final int SIZES = 16;

    /** What was published on this track: the objects of the groups strictly between two group numbers. */
    public interface Ledger {
        long objectsBetween(long afterGroup, long beforeGroup);
    }

    private final Deque<Group> open = new ArrayDeque<>();
    private final Ledger ledger;
    private final int[] sizes = new int[SIZES];
    private int sizeCount;
    private long lastJudged = -1;
    private long lost;
    private long duplicates;
    private long received;

    /** @param ledger what was published, to find whole groups missing; null when unknown */
    public SequenceTracker(Ledger ledger) {
        this.ledger = ledger;
    }

    private static final class Group {
        final long number;
        final BitSet objects = new BitSet();
        long end = -1;

        Group(long number) {
            this.number = number;
        }

        int highest() {
            return objects.length() - 1;
        }
    }

    /** Records object {@code sequence} of {@code group}; returns false if it had arrived already (a duplicate). */
    public boolean onObject(long group, long sequence) {
        Group g = find(group, true);
        if (g == null) {
            // Older than every open group: already judged; arriving again is a duplicate or very late.
            duplicates++;
            return false;
        }
        int seq = (int) Math.min(sequence, Integer.MAX_VALUE - 1);
        if (g.objects.get(seq)) {
            duplicates++;
            return false;
        }
        g.objects.set(seq);
        received++;
        return true;
    }

    /**
     * A stream of {@code group} finished cleanly; {@code end} is the object after its last one (the highest
     * sequence this subscription delivered + 1, or where the subscription started when it delivered none).
     */
    public void onGroupEnd(long group, long end) {
        Group g = find(group, true);
        if (g != null && end >= 0) {
            g.end = Math.max(g.end, end);
        }
    }

    /** The next object this track needs: after the newest object of the newest group, or -1/-1 before any. */
    public long[] resumePoint() {
        Group newest = open.peekLast();
        if (newest == null) {
            return new long[] {-1, -1};
        }
        if (newest.end >= 0 && newest.objects.cardinality() >= newest.end) {
            return new long[] {newest.number + 1, 0};
        }
        // The first hole: resume there so a repair can fill it.
        return new long[] {newest.number, newest.objects.nextClearBit(0)};
    }

    private Group find(long number, boolean create) {
        if (number <= lastJudged) {
            return null;
        }
        for (Group g : open) {
            if (g.number == number) {
                return g;
            }
        }
        if (!create) {
            return null;
        }
        Group g = new Group(number);
        // Keep the window ordered by group number.
        Deque<Group> tail = new ArrayDeque<>();
        while (!open.isEmpty() && open.peekLast().number > number) {
            tail.addFirst(open.pollLast());
        }
        open.addLast(g);
        open.addAll(tail);
        while (open.size() > OPEN_GROUPS) {
            judge(open.pollFirst(), false);
        }
        return g;
    }

    private void judge(Group g, boolean newest) {
        if (lastJudged >= 0 && ledger != null && g.number > lastJudged + 1) {
            lost += ledger.objectsBetween(lastJudged, g.number);
        }
        lastJudged = g.number;
        int got = g.objects.cardinality();
        if (g.end >= 0) {
            lost += Math.max(0, g.end - got);
            remember((int) g.end);
        } else if (newest) {
            lost += g.highest() + 1 - got;
        } else {
            lost += Math.max(g.highest() + 1, usualSize(g)) - got;
        }
    }

    private int usualSize(Group fallback) {
        if (sizeCount == 0) {
            return fallback.highest() + 1;
        }
        int n = Math.min(sizeCount, SIZES);
        int[] copy = Arrays.copyOf(sizes, n);
        Arrays.sort(copy);
        return copy[n / 2];
    }

    private void remember(int size) {
        sizes[sizeCount % SIZES] = size;
        sizeCount++;
    }

    /** Judges every open group (the watch is over). */
    public void finish() {
        while (!open.isEmpty()) {
            Group g = open.pollFirst();
            judge(g, open.isEmpty());
        }
    }

    public long lost() {
        return lost;
    }

    public long duplicates() {
        return duplicates;
    }

    public long received() {
        return received;
    }
}
