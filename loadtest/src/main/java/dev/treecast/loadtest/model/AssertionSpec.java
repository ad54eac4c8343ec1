package dev.treecast.loadtest.model;

import java.util.Objects;

/**
 * A pass/fail condition on the run's summary, e.g. {@code global().latency().percentile(99).lt(500)}.
 *
 * @param metric    what is measured
 * @param stat      which statistic of it
 * @param percentile for {@link Stat#PERCENTILE}, in (0, 100]; otherwise 0
 * @param condition how it is compared
 * @param threshold what it is compared with (ms for times, a fraction for ratios, a count for counts)
 */
public record AssertionSpec(Metric metric, Stat stat, double percentile, Condition condition, double threshold) {
    /** What an assertion looks at. Times are in milliseconds. */
    public enum Metric {
        /** Object latency from the ingest timestamp to arrival at the viewer (ms). */
        LATENCY("latency"),
        /** Time to first frame: viewer start to playback start (ms). */
        STARTUP("startup"),
        /** Stalls: count, and ratio = stalled time / watched time. */
        STALLS("stalls"),
        /** Objects missing from a group's sequence (count). */
        LOST_OBJECTS("lostObjects"),
        /** Objects received twice (count). */
        DUPLICATE_OBJECTS("duplicateObjects"),
        /** A viewer's reconnect: last object from the old edge to the first from the new one (ms); count. */
        RECONNECTS("reconnects"),
        /** Viewers that ended without watching their whole duration (count, and ratio of viewers). */
        FAILED_VIEWERS("failedViewers");

        private final String label;

        Metric(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public enum Stat { PERCENTILE, MAX, MEAN, COUNT, RATIO }

    public enum Condition {
        LT("<"), LTE("<="), GT(">"), GTE(">="), IS("==");

        private final String symbol;

        Condition(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public boolean test(double actual, double threshold) {
            return switch (this) {
                case LT -> actual < threshold;
                case LTE -> actual <= threshold;
                case GT -> actual > threshold;
                case GTE -> actual >= threshold;
                case IS -> actual == threshold;
            };
        }
    }

    public AssertionSpec {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(stat, "stat");
        Objects.requireNonNull(condition, "condition");
        if (stat == Stat.PERCENTILE && !(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + percentile);
        }
    }
}
