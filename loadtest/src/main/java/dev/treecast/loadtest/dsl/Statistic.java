package dev.treecast.loadtest.dsl;

import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.AssertionSpec.Condition;
import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;

/**
 * A statistic of a metric that still needs its condition, e.g. {@code global().latency().percentile(99)}; the
 * condition makes it an assertion. Thresholds are in milliseconds for times, a fraction for ratios, a number for
 * counts.
 */
public sealed class Statistic permits FailedViewers {
    private final Metric metric;
    private final Stat stat;
    private final double percentile;

    Statistic(Metric metric, Stat stat, double percentile) {
        this.metric = metric;
        this.stat = stat;
        this.percentile = percentile;
    }

    /** Holds when the statistic is strictly less than {@code threshold}. */
    public AssertionSpec lt(double threshold) {
        return spec(Condition.LT, threshold);
    }

    /** Holds when the statistic is at most {@code threshold}. */
    public AssertionSpec lte(double threshold) {
        return spec(Condition.LTE, threshold);
    }

    /** Holds when the statistic is strictly greater than {@code threshold}. */
    public AssertionSpec gt(double threshold) {
        return spec(Condition.GT, threshold);
    }

    /** Holds when the statistic is at least {@code threshold}. */
    public AssertionSpec gte(double threshold) {
        return spec(Condition.GTE, threshold);
    }

    /** Holds when the statistic equals {@code expected}. */
    public AssertionSpec is(double expected) {
        return spec(Condition.IS, expected);
    }

    private AssertionSpec spec(Condition condition, double threshold) {
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("an assertion threshold cannot be NaN");
        }
        return new AssertionSpec(metric, stat, percentile, condition, threshold);
    }
}
