package dev.treecast.loadtest.dsl;

import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;

/** Playback stalls: how many, or which fraction of the watched time was stalled. */
public final class StallsMetric {
    StallsMetric() {
    }

    /** Number of stalls over all viewers. */
    public Statistic count() {
        return new Statistic(Metric.STALLS, Stat.COUNT, 0);
    }

    /** Stalled time over watched time. */
    public Statistic ratio() {
        return new Statistic(Metric.STALLS, Stat.RATIO, 0);
    }
}
