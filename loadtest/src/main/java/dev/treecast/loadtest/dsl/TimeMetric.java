package dev.treecast.loadtest.dsl;

import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;

/** A time metric (latency, startup, reconnects), measured in milliseconds: pick a statistic of it. */
public final class TimeMetric {
    private final Metric metric;

    TimeMetric(Metric metric) {
        this.metric = metric;
    }

    /** The {@code p}th percentile, p in (0, 100]. */
    public Statistic percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        return new Statistic(metric, Stat.PERCENTILE, p);
    }

    /** The largest value. */
    public Statistic max() {
        return new Statistic(metric, Stat.MAX, 0);
    }

    /** The mean value. */
    public Statistic mean() {
        return new Statistic(metric, Stat.MEAN, 0);
    }

    /** How many values were measured. */
    public Statistic count() {
        return new Statistic(metric, Stat.COUNT, 0);
    }
}
