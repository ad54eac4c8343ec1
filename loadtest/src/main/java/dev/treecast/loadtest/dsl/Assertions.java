package dev.treecast.loadtest.dsl;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;

import dev.treecast.loadtest.model.AssertionResult;
import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;
import dev.treecast.loadtest.model.Summary;

/**
 * Evaluates assertions against a run's {@link Summary}, and turns the results into the process's exit code.
 *
 * <p>Where the values come from: latency, startup and reconnects from the Summary's histograms (recorded in µs,
 * compared in ms; count = values recorded); stalls count = {@link Summary#stalls()}, stall ratio =
 * {@link Summary#stallRatio()}; lost and duplicate objects are counts; failed viewers count =
 * {@link Summary#viewersFailed()}, ratio = failed / started.
 *
 * <p>An assertion on nothing measured does not pass: a percentile, max or mean of an empty histogram, a stall ratio
 * when nothing was watched, a failed-viewer ratio when nobody started, and any statistic a metric does not have
 * (e.g. a ratio of latency) are NaN, and NaN fails whatever the condition.
 */
public final class Assertions {
    private Assertions() {
    }

    /** Every assertion evaluated, in order. */
    public static List<AssertionResult> evaluate(Summary summary, List<AssertionSpec> specs) {
        List<AssertionResult> results = new ArrayList<>(specs.size());
        for (AssertionSpec spec : specs) {
            results.add(evaluate(summary, spec));
        }
        return List.copyOf(results);
    }

    /** One assertion evaluated. */
    public static AssertionResult evaluate(Summary summary, AssertionSpec spec) {
        double actual = actual(summary, spec);
        boolean passed = !Double.isNaN(actual) && spec.condition().test(actual, spec.threshold());
        return new AssertionResult(spec, describe(spec), passed, actual);
    }

    /** 0 when every assertion held (or there were none), 1 otherwise. */
    public static int exitCode(List<AssertionResult> results) {
        return results.stream().allMatch(AssertionResult::passed) ? 0 : 1;
    }

    /** The value an assertion compares (ms for times), NaN when there is nothing to compare. */
    public static double actual(Summary summary, AssertionSpec spec) {
        return switch (spec.metric()) {
            case LATENCY -> fromHistogram(summary.latencyMicros(), spec);
            case STARTUP -> fromHistogram(summary.startupMicros(), spec);
            case RECONNECTS -> fromHistogram(summary.reconnectMicros(), spec);
            case STALLS -> switch (spec.stat()) {
                case COUNT -> summary.stalls();
                case RATIO -> summary.watchedMillis() == 0 ? Double.NaN : summary.stallRatio();
                case PERCENTILE, MAX, MEAN -> Double.NaN;
            };
            case LOST_OBJECTS -> spec.stat() == Stat.COUNT ? summary.lostObjects() : Double.NaN;
            case DUPLICATE_OBJECTS -> spec.stat() == Stat.COUNT ? summary.duplicateObjects() : Double.NaN;
            case FAILED_VIEWERS -> switch (spec.stat()) {
                case COUNT -> summary.viewersFailed();
                case RATIO -> summary.viewersStarted() == 0 ? Double.NaN
                        : (double) summary.viewersFailed() / summary.viewersStarted();
                case PERCENTILE, MAX, MEAN -> Double.NaN;
            };
        };
    }

    private static double fromHistogram(Histogram micros, AssertionSpec spec) {
        if (spec.stat() == Stat.COUNT) {
            return micros == null ? 0 : micros.getTotalCount();
        }
        if (micros == null || micros.getTotalCount() == 0) {
            return Double.NaN;
        }
        return switch (spec.stat()) {
            case PERCENTILE -> micros.getValueAtPercentile(spec.percentile()) / 1000.0;
            case MAX -> micros.getMaxValue() / 1000.0;
            case MEAN -> micros.getMean() / 1000.0;
            case COUNT, RATIO -> Double.NaN;
        };
    }

    /**
     * The assertion as Gatling words it, e.g. {@code global: 99th percentile of latency (ms) is less than 500} or
     * {@code global: count of lostObjects is 0}.
     */
    public static String describe(AssertionSpec spec) {
        return "global: " + subject(spec) + " " + verb(spec.condition()) + " " + number(spec.threshold());
    }

    private static String subject(AssertionSpec spec) {
        Metric metric = spec.metric();
        if (metric == Metric.STALLS && spec.stat() == Stat.RATIO) {
            return "stall ratio";
        }
        boolean time = metric == Metric.LATENCY || metric == Metric.STARTUP || metric == Metric.RECONNECTS;
        return switch (spec.stat()) {
            case PERCENTILE -> ordinal(spec.percentile()) + " percentile of " + metric.label() + (time ? " (ms)" : "");
            case MAX -> "max of " + metric.label() + (time ? " (ms)" : "");
            case MEAN -> "mean of " + metric.label() + (time ? " (ms)" : "");
            case COUNT -> "count of " + metric.label();
            case RATIO -> "ratio of " + metric.label();
        };
    }

    private static String verb(AssertionSpec.Condition condition) {
        return switch (condition) {
            case LT -> "is less than";
            case LTE -> "is less than or equal to";
            case GT -> "is greater than";
            case GTE -> "is greater than or equal to";
            case IS -> "is";
        };
    }

    /** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 99th, 99.9th (a fractional rank is read "point nine-th"). */
    static String ordinal(double rank) {
        String text = number(rank);
        if (rank != Math.rint(rank)) {
            return text + "th";
        }
        long n = (long) rank;
        if (n % 100 >= 11 && n % 100 <= 13) {
            return text + "th";
        }
        return text + switch ((int) (n % 10)) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
    }

    /** 500, 0.01, 99.9: no trailing zeros, no exponent. */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
