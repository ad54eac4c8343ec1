package dev.treecast.loadtest.dsl;

import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;

/** Assertions over the whole run, from {@link LoadDsl#global()}. */
public final class GlobalScope {
    static final GlobalScope INSTANCE = new GlobalScope();

    private GlobalScope() {
    }

    /** Object latency, ingest timestamp to arrival at a viewer (ms). */
    public TimeMetric latency() {
        return new TimeMetric(Metric.LATENCY);
    }

    /** Time to first frame (ms). */
    public TimeMetric startup() {
        return new TimeMetric(Metric.STARTUP);
    }

    /** Viewer reconnects: how long they took (ms), or how many. */
    public TimeMetric reconnects() {
        return new TimeMetric(Metric.RECONNECTS);
    }

    /** Playback stalls. */
    public StallsMetric stalls() {
        return new StallsMetric();
    }

    /** Objects missing from a group's sequence (a count). */
    public Statistic lostObjects() {
        return new Statistic(Metric.LOST_OBJECTS, Stat.COUNT, 0);
    }

    /** Objects received twice (a count). */
    public Statistic duplicateObjects() {
        return new Statistic(Metric.DUPLICATE_OBJECTS, Stat.COUNT, 0);
    }

    /** Viewers that ended without watching their whole duration (a count, or {@code .ratio()}). */
    public FailedViewers failedViewers() {
        return new FailedViewers();
    }
}
