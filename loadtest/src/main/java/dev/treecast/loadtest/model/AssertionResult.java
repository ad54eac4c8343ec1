package dev.treecast.loadtest.model;

/**
 * An assertion evaluated against a {@link Summary}: its readable form (e.g. {@code global: 99th percentile of
 * latency (ms) is less than 500}), whether it held, and the value it saw (NaN when there was nothing to measure,
 * which fails).
 */
public record AssertionResult(AssertionSpec spec, String description, boolean passed, double actual) {
    /** As Gatling prints it: {@code <assertion> : true|false (actual : x)}. */
    @Override
    public String toString() {
        String value = Double.isNaN(actual) ? "none"
                : actual == Math.rint(actual) && Math.abs(actual) < 1e15 ? Long.toString((long) actual)
                : String.format(java.util.Locale.ROOT, "%.3f", actual);
        return description + " : " + passed + " (actual : " + value + ")";
    }
}
