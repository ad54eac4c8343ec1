package dev.treecast.loadtest.dsl;

import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;

/**
 * Viewers that ended without watching their whole duration: their count (the conditions here), or
 * {@link #ratio()} of the viewers started.
 */
public final class FailedViewers extends Statistic {
    FailedViewers() {
        super(Metric.FAILED_VIEWERS, Stat.COUNT, 0);
    }

    /** Failed viewers over started viewers. */
    public Statistic ratio() {
        return new Statistic(Metric.FAILED_VIEWERS, Stat.RATIO, 0);
    }
}
