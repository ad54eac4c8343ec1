package dev.treecast.loadtest.engine;

import java.util.function.LongSupplier;

import org.HdrHistogram.Recorder;

import dev.treecast.loadtest.report.EventLog;

/**
 * What every viewer of a run shares: the event log, where edges come from, the clocks, and the run-wide figures the
 * console line shows (thread-safe recorders and adders, written by many loops, read by the run's driver).
 *
 * @param monotonicNanos the clock time is measured with ({@code System::nanoTime} in a run)
 * @param wallMicros     the wall clock the ingest stamps objects with (latency is measured against it)
 * @param runStartNanos  {@code monotonicNanos} when the run started (event times are relative to it)
 * @param ledger         what the origin published, to find whole groups missing (null: unknown, a fleet)
 */
record RunContext(EventLog log, EdgeSource edges, LongSupplier monotonicNanos, LongSupplier wallMicros,
                  long runStartNanos, Recorder startupMicros, Figures figures, GroupLedger ledger) {

    /** Milliseconds since the run started, as event logs want them. */
    long t(long nowNanos) {
        return (nowNanos - runStartNanos) / 1_000_000;
    }

    /** Run-wide counters for the console line. */
    static final class Figures {
        final java.util.concurrent.atomic.LongAdder started = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder ended = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder failed = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder reconnects = new java.util.concurrent.atomic.LongAdder();
        final java.util.concurrent.atomic.LongAdder stalls = new java.util.concurrent.atomic.LongAdder();
    }
}
