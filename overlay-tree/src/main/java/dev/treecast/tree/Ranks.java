package dev.treecast.tree;

/**
 * The rank invariant that keeps the relay tree loop-free.
 *
 * <p>Every relay gets a fixed rank from the controller when it joins; the root has rank {@link #ROOT}. A relay may
 * only be the parent of relays with a strictly larger rank, and the accepting side checks this with its own live rank
 * whenever a child attaches. Following parent pointers therefore strictly decreases rank, so no cycle can form,
 * whatever the message delays, stale backup lists or simultaneous failures.
 *
 * <p>Ranks come in depth bands of {@link #BAND}: a relay placed at depth {@code d} gets
 * {@code forDepth(d, serial)}, where the serial is unique per join and below 2<sup>39</sup>, so only the lower half
 * of each band is used by normal joins. The upper half is where {@link #between} lands when a high-capacity relay
 * takes the place of a smaller one: above every ordinary relay of the parent's band, below every relay of the next.
 */
public final class Ranks {
    /** The root's rank. */
    public static final long ROOT = 0;
    /** Width of one depth band. */
    public static final long BAND = 1L << 40;
    /** Bound (exclusive) of the serial part of {@link #forDepth}: the lower half of a band. */
    public static final long MAX_SERIAL = 1L << 39;
    /** Marks a rank that is not known (yet): a relay without a rank refuses every child. */
    public static final long UNKNOWN = -1;

    private Ranks() {
    }

    /**
     * The rank of a relay placed at {@code depth} with the join's unique {@code serial}: depth × 2<sup>40</sup> +
     * serial.
     *
     * @throws IllegalArgumentException if depth is negative or too large, or serial is outside [0, 2<sup>39</sup>)
     */
    public static long forDepth(int depth, long serial) {
        if (depth < 0 || depth >= (1 << 22)) {
            throw new IllegalArgumentException("depth " + depth + " outside [0, 2^22)");
        }
        if (serial < 0 || serial >= MAX_SERIAL) {
            throw new IllegalArgumentException("serial " + serial + " outside [0, 2^39)");
        }
        return depth * BAND + serial;
    }

    /**
     * A rank strictly between a parent's and its child's (the midpoint), for a relay that is inserted between them.
     *
     * @throws IllegalArgumentException if there is no rank strictly between (see {@link #hasBetween})
     */
    public static long between(long parentRank, long childRank) {
        if (!hasBetween(parentRank, childRank)) {
            throw new IllegalArgumentException("no rank strictly between " + parentRank + " and " + childRank);
        }
        return parentRank + (childRank - parentRank) / 2;
    }

    /** Whether some rank lies strictly between the two (both valid, and at least 2 apart). */
    public static boolean hasBetween(long parentRank, long childRank) {
        return parentRank >= 0 && childRank > parentRank && childRank - parentRank >= 2;
    }

    /**
     * Whether a relay of rank {@code parentRank} may feed one of rank {@code childRank}: the child's rank is strictly
     * larger. A negative (unknown) rank on either side never qualifies.
     */
    public static boolean mayAdopt(long parentRank, long childRank) {
        return parentRank >= 0 && childRank > parentRank;
    }

    /** The depth band a rank lies in ({@code rank / BAND}). */
    public static int band(long rank) {
        return (int) (rank / BAND);
    }
}
