package dev.treecast.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.treecast.loadtest.model.Summary;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RunLogTest {
    @TempDir
    Path dir;

    private Path sampleRun() throws IOException {
        Path file = dir.resolve("events.jsonl");
        try (EventLog log = EventLog.create(file)) {
            SampleRun.write(log);
        }
        return file;
    }

    @Test
    void theSummaryIsComputedExactlyFromTheEvents() throws IOException {
        RunLog run = RunLog.read(sampleRun());
        Summary s = run.summary();

        assertThat(run.simulation()).isEqualTo(SampleRun.SIMULATION);
        assertThat(run.target()).isEqualTo(SampleRun.TARGET);
        assertThat(run.startEpochMillis()).isEqualTo(SampleRun.START);
        assertThat(run.complete()).isTrue();
        assertThat(run.truncated()).isFalse();
        assertThat(s.simulation()).isEqualTo(SampleRun.SIMULATION);
        assertThat(s.durationMillis()).isEqualTo(21_000);
        assertThat(s.viewersStarted()).isEqualTo(4);
        assertThat(s.viewersCompleted()).isEqualTo(2);
        assertThat(s.viewersFailed()).isEqualTo(1);
        assertThat(s.peakActiveViewers()).isEqualTo(4);

        // Latency: the interval histograms merged give the same percentiles as one histogram of every value.
        Histogram all = SampleRun.allLatencies();
        assertThat(s.latencyMicros().getTotalCount()).isEqualTo(18 * 100);
        for (double p : new double[] {50, 95, 99, 99.9}) {
            assertThat(s.latencyMicros().getValueAtPercentile(p)).as("p%s", p).isEqualTo(all.getValueAtPercentile(p));
        }
        assertThat(s.latencyMicros().getMaxValue()).isEqualTo(all.getMaxValue());
        assertThat(s.latencyMicros().getMean()).isEqualTo(all.getMean());

        Histogram startup = new Histogram(3);
        for (long micros : new long[] {400_000, 512_500, 700_000, 1_000_000}) {
            startup.recordValue(micros);
        }
        assertThat(s.startupMicros().getTotalCount()).isEqualTo(4);
        assertThat(s.startupMicros().getValueAtPercentile(50)).isEqualTo(startup.getValueAtPercentile(50));
        assertThat(s.startupMicros().getMaxValue()).isEqualTo(startup.getMaxValue());

        // Ended viewers' totals, plus viewer 4 (still watching at 21 s) from its events: first frame at 1.3 s,
        // one 400 ms stall.
        assertThat(s.stalls()).isEqualTo(1 + 1);
        assertThat(s.stallMillis()).isEqualTo(850 + 400);
        assertThat(s.watchedMillis()).isEqualTo(14_600 + 20_000 + 20_000 + (21_000 - 1_300));
        assertThat(s.stallRatio()).isCloseTo(1_250.0 / 74_300, within(1e-12));
        // Viewer 4's objects are only in the intervals, so the interval sums win.
        assertThat(s.objects()).isEqualTo(60 + 14 * 120 + 5 * 90);
        assertThat(s.lostObjects()).isEqualTo(7);
        assertThat(s.duplicateObjects()).isEqualTo(4);

        assertThat(s.reconnects()).isEqualTo(1);
        assertThat(s.reconnectMicros().getMaxValue()).isEqualTo(s.reconnectMicros().highestEquivalentValue(900_000));
        assertThat(s.relayRepairs()).isEqualTo(2);
        assertThat(s.relayRepairMicros().getTotalCount()).isEqualTo(2);
        assertThat(run.relayRepairMillis()).containsExactly(700.0, 750.0);
        assertThat(run.reconnectMillis()).containsExactly(900.0);

        assertThat(s.originBytes()).isEqualTo(19 * 60_000); // the last interval's is unknown
        assertThat(s.deliveredBytes()).isEqualTo(2_190_000);
        assertThat(s.offload()).isCloseTo(2_190_000.0 / 1_140_000, within(1e-12));
        assertThat(s.chaos()).containsExactly(
                "t=12.0s kill relay-1.2 (pid 4242)",
                "t=15.0s stop relay-2.2",
                "t=16.0s resume relay-2.2");
    }

    @Test
    void intervalsBecomeTheChartsTimeSeries() throws IOException {
        RunLog run = RunLog.read(sampleRun());
        assertThat(run.samples()).hasSize(SampleRun.SECONDS);
        RunLog.Sample spike = run.samples().get(11);
        assertThat(spike.t()).isEqualTo(12_000);
        assertThat(spike.activeViewers()).isEqualTo(4);
        assertThat(spike.lost()).isEqualTo(5);
        assertThat(spike.latencyCount()).isEqualTo(100);
        assertThat(spike.latencyP99Millis())
                .isEqualTo(SampleRun.latency(12).getValueAtPercentile(99) / 1000.0);
        assertThat(run.samples().get(13).latencyP50Millis()).isNaN(); // second 14: nothing received
        assertThat(run.samples().get(19).latencyMaxMillis()).isNaN(); // second 20: no histogram
        assertThat(run.samples().get(19).originBytes()).isEqualTo(-1);
    }

    @Test
    void whenEveryViewerEndedObjectsComeFromTheirTotals() throws IOException {
        Path file = dir.resolve("events.jsonl");
        try (EventLog log = EventLog.create(file)) {
            log.viewerStarted(0, 1, "s");
            log.firstFrame(200, 1, 200, "relay-2.1");
            log.interval(1_000, new EventLog.Interval(1, 0, null, 31, 31_000, -1, 0, 0));
            log.viewerEnded(1_500, 1, new EventLog.ViewerTotals(1_300, 40, 40_000, 2, 1, 0, 0, 0, null));
            log.runEnded(1_500);
        }
        Summary s = RunLog.read(file).summary();
        assertThat(s.objects()).isEqualTo(40);
        assertThat(s.lostObjects()).isEqualTo(2);
        assertThat(s.duplicateObjects()).isEqualTo(1);
        assertThat(s.originBytes()).isEqualTo(-1);
        assertThat(s.offload()).isNaN();
        assertThat(s.deliveredBytes()).isEqualTo(31_000);
    }

    @Test
    void aKilledRunsLogEndsAtItsLastEventWithItsLastLineCutShort() throws IOException {
        Path file = dir.resolve("events.jsonl");
        try (EventLog log = EventLog.create(file)) {
            log.runStarted("killed", "t", 1);
            log.viewerStarted(100, 1, "s");
            log.firstFrame(600, 1, 500, "relay-2.1");
            log.stall(2_000, 1, 300);
        }
        Files.writeString(file, "{\"type\":\"interval\",\"t\":3000,\"act", java.nio.file.StandardOpenOption.APPEND);

        RunLog run = RunLog.read(file);
        assertThat(run.truncated()).isTrue();
        assertThat(run.complete()).isFalse();
        assertThat(run.samples()).isEmpty();
        Summary s = run.summary();
        assertThat(s.durationMillis()).isEqualTo(2_000);
        assertThat(s.viewersStarted()).isEqualTo(1);
        assertThat(s.viewersCompleted() + s.viewersFailed()).isZero();
        assertThat(s.watchedMillis()).isEqualTo(2_000 - 600);
        assertThat(s.stalls()).isEqualTo(1);
        assertThat(s.stallMillis()).isEqualTo(300);
    }

    @Test
    void aMalformedLineInTheMiddleIsAnErrorNamingTheLine() throws IOException {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, """
                {"type":"runStarted","t":0,"simulation":"s","target":"t","startEpochMillis":1}
                {"type":"viewerStarted","t":5,"viewer":1,"scenario":"s"}
                {"type":"viewerStarted","t":6,"viewer":
                {"type":"runEnded","t":10}
                """);
        assertThatThrownBy(() -> RunLog.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("events.jsonl line 3: malformed event");
    }

    @Test
    void aLineMissingAFieldIsAnErrorNamingTheLineAndTheField() throws IOException {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, """
                {"type":"viewerStarted","t":5,"viewer":1,"scenario":"s"}
                {"type":"stall","t":6,"viewer":1}
                """);
        assertThatThrownBy(() -> RunLog.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("line 2").hasMessageContaining("stallMillis");
    }

    @Test
    void aMalformedLastLineThatWasWrittenWholeIsStillAnError() throws IOException {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "{\"type\":\"runEnded\",\"t\":10}\nnot json\n");
        assertThatThrownBy(() -> RunLog.read(file)).hasMessageContaining("line 2");
    }

    @Test
    void unknownEventTypesAreSkipped() throws IOException {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, """
                {"type":"somethingNew","t":5,"whatever":[1,2]}
                {"type":"runEnded","t":10}
                """);
        assertThat(RunLog.read(file).summary().durationMillis()).isEqualTo(10);
    }
}
