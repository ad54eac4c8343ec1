package dev.treecast.loadtest.report;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.testing.Await;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void eachEventIsOneJsonLineWithTypeAndTimeAndEscapedStrings() throws IOException {
        StringWriter out = new StringWriter();
        try (EventLog log = new EventLog(out, 100)) {
            log.runStarted("a \"quoted\" name", "in-process [2, 4]", 1_700_000_000_000L);
            log.viewerStarted(5, 7, "watchers");
            log.firstFrame(410, 7, 405.25, "relay-2.1");
            log.stall(900, 7, 120.5);
            log.reconnect(2_000, 7, "relay-2.1", "relay-2.2", "silence", 650.0);
            log.viewerEnded(3_000, 7, new EventLog.ViewerTotals(2_590, 78, 78_000, 1, 0, 1, 120, 1, null));
            log.viewerEnded(3_001, 8, new EventLog.ViewerTotals(0, 0, 0, 0, 0, 0, 0, 0, "no edge"));
            log.chaos(1_500, "kill", "relay-1.2", "pid 42");
            log.relayRepair(1_800, "relay-2.1", "relay-1.2", "relay-1.1", 300.0);
            log.interval(1_000, new EventLog.Interval(1, 0, null, 30, 30_000, -1, 0, 0));
            log.runEnded(3_500);
        }
        assertThat(out.toString().split("\n")).containsExactly(
                "{\"type\":\"runStarted\",\"t\":0,\"simulation\":\"a \\\"quoted\\\" name\","
                        + "\"target\":\"in-process [2, 4]\",\"startEpochMillis\":1700000000000}",
                "{\"type\":\"viewerStarted\",\"t\":5,\"viewer\":7,\"scenario\":\"watchers\"}",
                "{\"type\":\"firstFrame\",\"t\":410,\"viewer\":7,\"startupMillis\":405.25,\"edge\":\"relay-2.1\"}",
                "{\"type\":\"stall\",\"t\":900,\"viewer\":7,\"stallMillis\":120.5}",
                "{\"type\":\"reconnect\",\"t\":2000,\"viewer\":7,\"from\":\"relay-2.1\",\"to\":\"relay-2.2\","
                        + "\"reason\":\"silence\",\"reconnectMillis\":650.0}",
                "{\"type\":\"viewerEnded\",\"t\":3000,\"viewer\":7,\"watchedMillis\":2590,\"objects\":78,"
                        + "\"bytes\":78000,\"lost\":1,\"duplicates\":0,\"stalls\":1,\"stallMillis\":120,"
                        + "\"reconnects\":1,\"failure\":null}",
                "{\"type\":\"viewerEnded\",\"t\":3001,\"viewer\":8,\"watchedMillis\":0,\"objects\":0,\"bytes\":0,"
                        + "\"lost\":0,\"duplicates\":0,\"stalls\":0,\"stallMillis\":0,\"reconnects\":0,"
                        + "\"failure\":\"no edge\"}",
                "{\"type\":\"chaos\",\"t\":1500,\"action\":\"kill\",\"relay\":\"relay-1.2\",\"detail\":\"pid 42\"}",
                "{\"type\":\"relayRepair\",\"t\":1800,\"relay\":\"relay-2.1\",\"oldParent\":\"relay-1.2\","
                        + "\"newParent\":\"relay-1.1\",\"repairMillis\":300.0}",
                "{\"type\":\"interval\",\"t\":1000,\"active\":1,\"stalling\":0,\"objects\":30,\"bytes\":30000,"
                        + "\"originBytes\":-1,\"lost\":0,\"duplicates\":0}",
                "{\"type\":\"runEnded\",\"t\":3500}");
    }

    @Test
    void anIntervalsHistogramRoundTripsExactly() throws Exception {
        Histogram latency = new Histogram(60_000_000, 3);
        for (int i = 1; i <= 1000; i++) {
            latency.recordValue(i * 1_237L);
        }
        StringWriter out = new StringWriter();
        try (EventLog log = new EventLog(out, 100)) {
            log.interval(1_000, new EventLog.Interval(3, 1, latency, 90, 90_000, 30_000, 2, 1));
            latency.reset(); // the caller may reuse its histogram as soon as the call returns
        }
        JsonNode line = JSON.readTree(out.toString());
        Histogram decoded = Histogram.decodeFromCompressedByteBuffer(
                java.nio.ByteBuffer.wrap(Base64.getDecoder().decode(line.get("latency").asText())), 0);
        assertThat(decoded.getTotalCount()).isEqualTo(1000);
        assertThat(decoded.getValueAtPercentile(99)).isEqualTo(expected99());
        assertThat(line.get("originBytes").asLong()).isEqualTo(30_000);
    }

    private static long expected99() {
        Histogram h = new Histogram(60_000_000, 3);
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * 1_237L);
        }
        return h.getValueAtPercentile(99);
    }

    @Test
    void linesFromManyThreadsAreAllWrittenWholeAndParseable() throws Exception {
        Path file = dir.resolve("events.jsonl");
        int threads = 8;
        int viewersEach = 2_000;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (EventLog log = EventLog.create(file)) {
            log.runStarted("concurrent", "fleet", 0);
            List<Future<?>> done = new ArrayList<>();
            for (int th = 0; th < threads; th++) {
                long base = th * 1_000_000L;
                done.add(pool.submit(() -> {
                    go.await();
                    for (long v = base; v < base + viewersEach; v++) {
                        log.viewerStarted(v % 1000, v, "scenario \"" + v + "\"\n");
                        log.firstFrame(v % 1000 + 300, v, 300.0, "relay-2." + v % 4);
                        log.viewerEnded(v % 1000 + 5_000, v,
                                new EventLog.ViewerTotals(4_700, 141, 141_000, 0, 0, 0, 0, 0, null));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            log.runEnded(6_000);
        } finally {
            pool.shutdown();
        }

        List<String> lines = Files.readAllLines(file, UTF_8);
        assertThat(lines).hasSize(1 + threads * viewersEach * 3 + 1);
        for (String line : lines) {
            JsonNode event = JSON.readTree(line);
            assertThat(event.has("type") && event.has("t")).as(line).isTrue();
        }
        RunLog run = RunLog.read(file);
        assertThat(run.summary().viewersStarted()).isEqualTo(threads * viewersEach);
        assertThat(run.summary().viewersCompleted()).isEqualTo(threads * viewersEach);
        assertThat(run.summary().startupMicros().getTotalCount()).isEqualTo(threads * viewersEach);
        assertThat(run.summary().objects()).isEqualTo(141L * threads * viewersEach);
        assertThat(run.droppedLines()).isZero();
    }

    @Test
    void aFullQueueDropsAndCountsLinesInsteadOfBlockingTheCaller() throws Exception {
        GatedWriter disk = new GatedWriter();
        EventLog log = new EventLog(disk, 10);
        log.viewerStarted(0, 0, "first");
        assertThat(disk.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the writer is now stuck on the disk

        for (int i = 1; i <= 25; i++) {
            log.viewerStarted(i, i, "s"); // returns although nothing is being written
        }
        assertThat(log.droppedLines()).isEqualTo(15);

        disk.open.countDown();
        log.close();
        assertThat(disk.text()).contains("{\"type\":\"dropped\",\"t\":25,\"count\":15}\n");
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, disk.text());
        RunLog run = RunLog.read(file);
        assertThat(run.droppedLines()).isEqualTo(15);
        assertThat(run.summary().viewersStarted()).isEqualTo(1 + 10);
    }

    @Test
    void linesReachTheFileWithinAFlushIntervalWithoutClosing() throws IOException {
        Path file = dir.resolve("events.jsonl");
        try (EventLog log = EventLog.create(file)) {
            log.viewerStarted(1, 1, "watchers");
            Await.until("the line flushed to the file", Duration.ofSeconds(5),
                    () -> read(file).contains("\"viewer\":1"));
        }
    }

    @Test
    void closeIsIdempotentAndLaterEventsAreIgnored() throws IOException {
        Path file = dir.resolve("events.jsonl");
        EventLog log = EventLog.create(file);
        log.runEnded(10);
        log.close();
        log.close();
        log.viewerStarted(11, 1, "late");
        assertThat(Files.readAllLines(file)).containsExactly("{\"type\":\"runEnded\",\"t\":10}");
    }

    @Test
    void aDiskErrorIsThrownFromCloseAndNeverBlocksTheCallers() {
        Writer broken = new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        EventLog log = new EventLog(broken, 4);
        for (int i = 0; i < 1_000; i++) {
            log.viewerStarted(i, i, "s");
        }
        assertThatThrownBy(log::close).isInstanceOf(IOException.class).hasMessage("disk full");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** A disk that blocks every write until {@link #open} is counted down. */
    private static final class GatedWriter extends Writer {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        private final StringBuilder text = new StringBuilder();

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            entered.countDown();
            try {
                if (!open.await(20, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            synchronized (text) {
                text.append(buf, off, len);
            }
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
