package dev.treecast.loadtest.dsl;

import static dev.treecast.loadtest.dsl.LoadDsl.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.loadtest.model.AssertionResult;
import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.AssertionSpec.Condition;
import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;
import dev.treecast.loadtest.model.Summary;

/** Assertions read the right number from a summary, word it as Gatling does, and decide the exit code. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AssertionsTest {
    /** 10 ms, 20 ms, ..., 1000 ms. */
    private final Histogram latency = histogram(100, i -> i * 10_000L);
    /** 1 ms and 2 ms: below 2048 µs a 3-digit histogram is exact, so the printed values are too. */
    private final Histogram startup = histogram(2, i -> i * 1_000L);
    private final Histogram reconnects = new Histogram(3);

    private final Summary summary = summary(200, 2, 3, 5_000, 1_000_000, 7, 1, latency, startup, reconnects);

    @Test
    void latencyStatisticsComeFromTheHistogramInMilliseconds() {
        assertThat(actual(global().latency().percentile(99).lt(500)))
                .isEqualTo(latency.getValueAtPercentile(99) / 1000.0).isCloseTo(990, within(1.0));
        assertThat(actual(global().latency().percentile(50).lt(500))).isCloseTo(500, within(1.0));
        assertThat(actual(global().latency().max().lt(2000)))
                .isEqualTo(latency.getMaxValue() / 1000.0).isCloseTo(1000, within(1.0));
        assertThat(actual(global().latency().mean().lt(2000)))
                .isEqualTo(latency.getMean() / 1000.0).isCloseTo(505, within(1.0));
        assertThat(actual(global().latency().count().gt(0))).isEqualTo(100);
    }

    @Test
    void startupAndReconnectsAreTimeMetricsToo() {
        assertThat(actual(startup().max().lt(3))).isEqualTo(2);
        assertThat(actual(startup().mean().lt(3))).isEqualTo(1.5);
        assertThat(actual(startup().percentile(50).lt(3))).isEqualTo(1);
        assertThat(actual(startup().count().is(2))).isEqualTo(2);
        reconnects.recordValue(1_500);
        assertThat(actual(reconnects().percentile(99).lt(1500))).isEqualTo(1.5);
        assertThat(actual(reconnects().count().lt(100))).isEqualTo(1);
    }

    @Test
    void countsAndRatiosComeFromTheirFields() {
        assertThat(actual(stalls().count().lte(3))).isEqualTo(3);
        assertThat(actual(stalls().ratio().lt(0.01))).isEqualTo(0.005); // 5 s stalled of 1000 s watched
        assertThat(actual(lostObjects().is(0))).isEqualTo(7);
        assertThat(actual(duplicateObjects().is(0))).isEqualTo(1);
        assertThat(actual(failedViewers().is(0))).isEqualTo(2);
        assertThat(actual(failedViewers().ratio().lt(0.05))).isEqualTo(0.01); // 2 of 200
    }

    @Test
    void eachConditionComparesAsItsNameSays() {
        AssertionSpec lt = stalls().count().lt(3);
        AssertionSpec lte = stalls().count().lte(3);
        AssertionSpec gt = stalls().count().gt(3);
        AssertionSpec gte = stalls().count().gte(3);
        AssertionSpec is = stalls().count().is(3);
        AssertionSpec isNot = stalls().count().is(4);

        assertThat(Assertions.evaluate(summary, List.of(lt, lte, gt, gte, is, isNot)))
                .extracting(AssertionResult::passed).containsExactly(false, true, false, true, true, false);
    }

    @Test
    void descriptionsReadAsGatlingWritesThem() {
        assertThat(Assertions.describe(global().latency().percentile(99).lt(500)))
                .isEqualTo("global: 99th percentile of latency (ms) is less than 500");
        assertThat(Assertions.describe(global().latency().max().lt(2000)))
                .isEqualTo("global: max of latency (ms) is less than 2000");
        assertThat(Assertions.describe(stalls().ratio().lt(0.01))).isEqualTo("global: stall ratio is less than 0.01");
        assertThat(Assertions.describe(stalls().count().lte(3)))
                .isEqualTo("global: count of stalls is less than or equal to 3");
        assertThat(Assertions.describe(lostObjects().is(0))).isEqualTo("global: count of lostObjects is 0");
        assertThat(Assertions.describe(duplicateObjects().is(0))).isEqualTo("global: count of duplicateObjects is 0");
        assertThat(Assertions.describe(startup().percentile(95).lt(2000)))
                .isEqualTo("global: 95th percentile of startup (ms) is less than 2000");
        assertThat(Assertions.describe(startup().mean().gt(1.5)))
                .isEqualTo("global: mean of startup (ms) is greater than 1.5");
        assertThat(Assertions.describe(reconnects().count().gte(1)))
                .isEqualTo("global: count of reconnects is greater than or equal to 1");
        assertThat(Assertions.describe(failedViewers().ratio().lt(0.05)))
                .isEqualTo("global: ratio of failedViewers is less than 0.05");
        assertThat(Assertions.describe(global().latency().percentile(99.9).lt(750.25)))
                .isEqualTo("global: 99.9th percentile of latency (ms) is less than 750.25");
    }

    @Test
    void ordinalsHaveTheRightSuffix() {
        assertThat(List.of(1.0, 2.0, 3.0, 4.0, 11.0, 12.0, 13.0, 21.0, 22.0, 23.0, 50.0, 99.0, 99.9, 99.99, 100.0)
                .stream().map(Assertions::ordinal).toList())
                .containsExactly("1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "50th",
                        "99th", "99.9th", "99.99th", "100th");
    }

    @Test
    void aResultPrintsItsLineWithTheActualValue() {
        List<AssertionResult> results = Assertions.evaluate(summary, List.of(
                startup().max().lt(3), lostObjects().is(0), stalls().ratio().lt(0.01),
                global().latency().percentile(99).lt(500)));

        assertThat(results).extracting(AssertionResult::toString).containsExactly(
                "global: max of startup (ms) is less than 3 : true (actual : 2)",
                "global: count of lostObjects is 0 : false (actual : 7)",
                "global: stall ratio is less than 0.01 : true (actual : 0.005)",
                "global: 99th percentile of latency (ms) is less than 500 : false (actual : "
                        + format(latency.getValueAtPercentile(99) / 1000.0) + ")");
        assertThat(results.get(1).spec()).isEqualTo(lostObjects().is(0));
        assertThat(results.get(1).description()).isEqualTo("global: count of lostObjects is 0");
    }

    @Test
    void anAssertionOnNothingMeasuredFailsWhateverItsCondition() {
        Summary nothing = summary(0, 0, 0, 0, 0, 0, 0, new Histogram(3), new Histogram(3), new Histogram(3));
        List<AssertionSpec> specs = List.of(
                global().latency().percentile(99).lt(Double.MAX_VALUE),
                global().latency().max().gte(0),
                global().latency().mean().gt(-1),
                startup().percentile(50).lte(1e9),
                reconnects().max().lt(1),
                stalls().ratio().lt(0.01),
                failedViewers().ratio().is(0));

        List<AssertionResult> results = Assertions.evaluate(nothing, specs);

        assertThat(results).allSatisfy(r -> {
            assertThat(r.passed()).as(r.toString()).isFalse();
            assertThat(r.actual()).as(r.toString()).isNaN();
            assertThat(r.toString()).endsWith(" : false (actual : none)");
        });
        assertThat(Assertions.exitCode(results)).isEqualTo(1);
    }

    @Test
    void countsOfNothingAreZeroAndMayPass() {
        Summary nothing = summary(0, 0, 0, 0, 0, 0, 0, new Histogram(3), new Histogram(3), new Histogram(3));

        List<AssertionResult> results = Assertions.evaluate(nothing, List.of(reconnects().count().lt(100),
                global().latency().count().is(0), stalls().count().is(0), lostObjects().is(0),
                failedViewers().is(0)));

        assertThat(results).extracting(AssertionResult::passed).containsOnly(true);
        assertThat(results).extracting(AssertionResult::actual).containsOnly(0.0);
    }

    @Test
    void aStatisticAMetricDoesNotHaveIsNaNAndFails() {
        List<AssertionResult> results = Assertions.evaluate(summary, List.of(
                new AssertionSpec(Metric.LATENCY, Stat.RATIO, 0, Condition.LT, 1),
                new AssertionSpec(Metric.LOST_OBJECTS, Stat.MAX, 0, Condition.LT, 1e9),
                new AssertionSpec(Metric.STALLS, Stat.PERCENTILE, 99, Condition.LT, 1e9),
                new AssertionSpec(Metric.FAILED_VIEWERS, Stat.MEAN, 0, Condition.LT, 1e9)));

        assertThat(results).extracting(AssertionResult::passed).containsOnly(false);
        assertThat(results).extracting(AssertionResult::actual).allMatch(a -> Double.isNaN(a));
        assertThat(results.get(0).description()).isEqualTo("global: ratio of latency is less than 1");
    }

    @Test
    void theExitCodeIsZeroOnlyWhenEveryAssertionHeld() {
        List<AssertionResult> passed = Assertions.evaluate(summary,
                List.of(stalls().count().lte(3), failedViewers().lt(3)));
        List<AssertionResult> oneFailed = Assertions.evaluate(summary,
                List.of(stalls().count().lte(3), failedViewers().is(0)));

        assertThat(Assertions.exitCode(List.of())).isZero();
        assertThat(Assertions.exitCode(passed)).isZero();
        assertThat(Assertions.exitCode(oneFailed)).isEqualTo(1);
        assertThat(Assertions.evaluate(summary, List.of())).isEmpty();
    }

    @Test
    void theSmokeAssertionsEvaluateInOrder() {
        List<AssertionSpec> specs = new Smoke().spec().assertions();

        List<AssertionResult> results = Assertions.evaluate(summary, specs);

        assertThat(results).extracting(AssertionResult::spec).containsExactlyElementsOf(specs);
        assertThat(results).extracting(AssertionResult::passed).containsExactly(
                false, // p99 latency 990 ms
                true,  // max latency 1000 ms
                true,  // stall ratio 0.005
                true,  // 3 stalls
                false, // 7 lost
                false, // 1 duplicate
                true,  // p95 startup 2 ms
                true,  // mean startup 1.5 ms
                false, // p99 reconnect: none measured
                true,  // 0 reconnects
                false); // 2 failed viewers
        assertThat(Assertions.exitCode(results)).isEqualTo(1);
    }

    private double actual(AssertionSpec spec) {
        return Assertions.evaluate(summary, spec).actual();
    }

    private static String format(double value) {
        return new dev.treecast.loadtest.model.AssertionResult(lostObjects().is(0), "", true, value).toString()
                .replaceFirst("^ : true \\(actual : (.*)\\)$", "$1");
    }

    private static Histogram histogram(int n, java.util.function.IntToLongFunction valueOfOneBased) {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= n; i++) {
            h.recordValue(valueOfOneBased.applyAsLong(i));
        }
        return h;
    }

    private static Summary summary(long started, long failed, long stalls, long stallMillis, long watchedMillis,
                                   long lost, long duplicates, Histogram latency, Histogram startup,
                                   Histogram reconnects) {
        return new Summary("Smoke", 60_000, started, started - failed, failed, (int) started, latency, startup,
                stalls, stallMillis, watchedMillis, latency.getTotalCount(), lost, duplicates,
                reconnects.getTotalCount(), reconnects, 0, new Histogram(3), -1, 0, List.of());
    }
}
