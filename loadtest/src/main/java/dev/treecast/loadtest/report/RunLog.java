package dev.treecast.loadtest.report;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.loadtest.model.Summary;

/**
 * A run's {@link EventLog} read back: the {@link Summary} the assertions are evaluated on, and the time series the
 * report draws. Unknown event types are skipped (a newer engine may log more); a malformed line is an error naming
 * it, except an unterminated last line, which is what a killed run leaves behind.
 */
public final class RunLog {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** HdrHistogram's precision for every histogram built here, as the viewers' own. */
    private static final int DIGITS = 3;

    /** One {@code interval} line, its latency histogram reduced to what the charts draw (ms, NaN when empty). */
    public record Sample(long t, int activeViewers, int stallingViewers, long objects, long bytes, long originBytes,
                         long lost, long duplicates, long latencyCount, double latencyP50Millis,
                         double latencyP99Millis, double latencyMaxMillis) {
    }

    /** One {@code chaos} line. */
    public record ChaosEvent(long t, String action, String relay, String detail) {
        /** As the summary lists it: {@code t=12.0s kill relay-1.2 (detail)}. */
        public String line() {
            String base = String.format(Locale.ROOT, "t=%.1fs %s %s", t / 1000.0, action, relay);
            return detail == null || detail.isBlank() ? base : base + " (" + detail + ")";
        }
    }

    private final String simulation;
    private final String target;
    private final long startEpochMillis;
    private final boolean complete;
    private final boolean truncated;
    private final long droppedLines;
    private final Summary summary;
    private final List<Sample> samples;
    private final List<ChaosEvent> chaos;
    private final double[] reconnectMillis;
    private final double[] relayRepairMillis;

    private RunLog(Reader r) {
        this.simulation = r.simulation;
        this.target = r.target;
        this.startEpochMillis = r.startEpochMillis;
        this.complete = r.endT >= 0;
        this.truncated = r.truncated;
        this.droppedLines = r.dropped;
        this.samples = List.copyOf(r.samples);
        this.chaos = List.copyOf(r.chaos);
        this.reconnectMillis = r.reconnectMillis.stream().mapToDouble(Double::doubleValue).toArray();
        this.relayRepairMillis = r.relayRepairMillis.stream().mapToDouble(Double::doubleValue).toArray();
        this.summary = r.summary(chaos.stream().map(ChaosEvent::line).toList());
    }

    /**
     * Reads the log at {@code file}.
     *
     * @throws IOException on a read error, or a malformed line (the message names the file and line)
     */
    public static RunLog read(Path file) throws IOException {
        boolean terminated = endsWithNewline(file);
        Reader reader = new Reader();
        // A decoder that replaces rather than throws: a killed run may have cut a character in half.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), UTF_8))) {
            long number = 0;
            String line = in.readLine();
            while (line != null) {
                number++;
                String next = in.readLine();
                if (!line.isBlank()) {
                    try {
                        reader.accept(JSON.readTree(line));
                    } catch (JsonProcessingException | IllegalArgumentException e) {
                        if (next == null && !terminated) {
                            reader.truncated = true;
                        } else {
                            String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage()
                                    : e.getMessage();
                            throw new IOException(file + " line " + number + ": malformed event (" + reason + "): "
                                    + abbreviate(line), e);
                        }
                    }
                }
                line = next;
            }
        }
        return new RunLog(reader);
    }

    public String simulation() {
        return simulation;
    }

    public String target() {
        return target;
    }

    /** Wall clock at t = 0 (0 when the log has no {@code runStarted} line). */
    public long startEpochMillis() {
        return startEpochMillis;
    }

    /** The run logged its end ({@code runEnded}); false for a killed run. */
    public boolean complete() {
        return complete;
    }

    /** The last line was cut short and skipped. */
    public boolean truncated() {
        return truncated;
    }

    /** Events the writer dropped because it fell behind: when not 0, the counts are lower bounds. */
    public long droppedLines() {
        return droppedLines;
    }

    /** What the run amounted to (the histograms are this log's own: do not change them). */
    public Summary summary() {
        return summary;
    }

    /** The {@code interval} lines, in order. */
    public List<Sample> samples() {
        return samples;
    }

    public List<ChaosEvent> chaos() {
        return chaos;
    }

    /** Every viewer reconnect's time (ms), in log order. */
    public double[] reconnectMillis() {
        return reconnectMillis.clone();
    }

    /** Every relay repair's time (ms), in log order. */
    public double[] relayRepairMillis() {
        return relayRepairMillis.clone();
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            long size = channel.size();
            if (size == 0) {
                return true;
            }
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.read(last, size - 1);
            return last.get(0) == '\n';
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 200 ? line : line.substring(0, 200) + "…";
    }

    /** Per-viewer state kept until the viewer's {@code viewerEnded} (which then supersedes it). */
    private static final class Viewer {
        long firstFrameT = -1;
        long stalls;
        double stallMillis;
    }

    /** Accumulates the lines; one per {@link #read}, single-threaded. */
    private static final class Reader {
        String simulation = "";
        String target = "";
        long startEpochMillis;
        long endT = -1;
        long lastT;
        boolean truncated;
        long dropped;

        long started;
        long completed;
        long failed;
        int peakActive;
        final Map<Long, Viewer> watching = new HashMap<>();
        final Histogram latency = new Histogram(DIGITS);
        final Histogram startup = new Histogram(DIGITS);
        final Histogram reconnect = new Histogram(DIGITS);
        final Histogram relayRepair = new Histogram(DIGITS);
        final List<Double> reconnectMillis = new ArrayList<>();
        final List<Double> relayRepairMillis = new ArrayList<>();
        final List<Sample> samples = new ArrayList<>();
        final List<ChaosEvent> chaos = new ArrayList<>();

        // viewerEnded totals
        long endedStalls;
        long endedStallMillis;
        long endedWatchedMillis;
        long endedObjects;
        long endedLost;
        long endedDuplicates;
        // interval sums
        long intervalObjects;
        long intervalBytes;
        long intervalLost;
        long intervalDuplicates;
        long originBytes;
        boolean originKnown;

        void accept(JsonNode event) {
            if (!event.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String type = text(event, "type");
            if (type == null) {
                throw new IllegalArgumentException("no \"type\"");
            }
            long t = type.equals("runStarted") && !event.has("t") ? 0 : number(event, "t");
            lastT = Math.max(lastT, t);
            switch (type) {
                case "runStarted" -> {
                    simulation = orEmpty(text(event, "simulation"));
                    target = orEmpty(text(event, "target"));
                    startEpochMillis = number(event, "startEpochMillis");
                }
                case "viewerStarted" -> {
                    started++;
                    watching.computeIfAbsent(number(event, "viewer"), v -> new Viewer());
                }
                case "firstFrame" -> {
                    record(startup, decimal(event, "startupMillis"));
                    viewer(event).firstFrameT = t;
                }
                case "stall" -> {
                    double millis = decimal(event, "stallMillis");
                    Viewer v = viewer(event);
                    v.stalls++;
                    v.stallMillis += Double.isFinite(millis) ? millis : 0;
                }
                case "reconnect" -> {
                    double millis = decimal(event, "reconnectMillis");
                    record(reconnect, millis);
                    reconnectMillis.add(millis);
                }
                case "viewerEnded" -> viewerEnded(event);
                case "chaos" -> chaos.add(new ChaosEvent(t, orEmpty(text(event, "action")),
                        orEmpty(text(event, "relay")), text(event, "detail")));
                case "relayRepair" -> {
                    double millis = decimal(event, "repairMillis");
                    record(relayRepair, millis);
                    relayRepairMillis.add(millis);
                }
                case "interval" -> interval(t, event);
                case "runEnded" -> endT = t;
                case "dropped" -> dropped += number(event, "count");
                default -> {
                    // A type this version does not know: a newer engine's, skipped.
                }
            }
        }

        private void viewerEnded(JsonNode event) {
            watching.remove(number(event, "viewer"));
            endedWatchedMillis += number(event, "watchedMillis");
            endedObjects += number(event, "objects");
            endedLost += number(event, "lost");
            endedDuplicates += number(event, "duplicates");
            endedStalls += number(event, "stalls");
            endedStallMillis += number(event, "stallMillis");
            if (text(event, "failure") == null) {
                completed++;
            } else {
                failed++;
            }
        }

        private void interval(long t, JsonNode event) {
            int active = (int) number(event, "active");
            long origin = number(event, "originBytes");
            Sample sample;
            String encoded = text(event, "latency");
            long bytes = number(event, "bytes");
            long objects = number(event, "objects");
            long lost = number(event, "lost");
            long duplicates = number(event, "duplicates");
            int stalling = (int) number(event, "stalling");
            if (encoded == null) {
                sample = new Sample(t, active, stalling, objects, bytes, origin, lost, duplicates, 0, Double.NaN,
                        Double.NaN, Double.NaN);
            } else {
                Histogram h = decode(encoded);
                latency.add(h);
                long count = h.getTotalCount();
                sample = new Sample(t, active, stalling, objects, bytes, origin, lost, duplicates, count,
                        count == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1000.0,
                        count == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0,
                        count == 0 ? Double.NaN : h.getMaxValue() / 1000.0);
            }
            samples.add(sample);
            peakActive = Math.max(peakActive, active);
            intervalObjects += objects;
            intervalBytes += bytes;
            intervalLost += lost;
            intervalDuplicates += duplicates;
            if (origin >= 0) {
                originBytes += origin;
                originKnown = true;
            }
        }

        Summary summary(List<String> chaosLines) {
            long end = endT >= 0 ? endT : lastT;
            // Viewers still watching when the log ends never reported totals: count what their events said.
            long stalls = endedStalls;
            double stallMillis = endedStallMillis;
            long watched = endedWatchedMillis;
            for (Viewer v : watching.values()) {
                stalls += v.stalls;
                stallMillis += v.stallMillis;
                if (v.firstFrameT >= 0) {
                    watched += Math.max(0, end - v.firstFrameT);
                }
            }
            // Their objects are only in the intervals (which count every viewer, ended or not): take those then.
            boolean unfinished = !watching.isEmpty();
            long objects = unfinished ? Math.max(endedObjects, intervalObjects) : endedObjects;
            long lost = unfinished ? Math.max(endedLost, intervalLost) : endedLost;
            long duplicates = unfinished ? Math.max(endedDuplicates, intervalDuplicates) : endedDuplicates;
            return new Summary(simulation, end, started, completed, failed, peakActive, latency, startup, stalls,
                    Math.round(stallMillis), watched, objects, lost, duplicates, reconnect.getTotalCount(),
                    reconnect, relayRepair.getTotalCount(), relayRepair, originKnown ? originBytes : -1,
                    intervalBytes, chaosLines);
        }

        private Viewer viewer(JsonNode event) {
            return watching.computeIfAbsent(number(event, "viewer"), v -> new Viewer());
        }

        private static void record(Histogram histogram, double millis) {
            if (Double.isFinite(millis)) {
                histogram.recordValue(Math.max(0, Math.round(millis * 1000)));
            }
        }

        private static Histogram decode(String base64) {
            try {
                return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)),
                        0);
            } catch (DataFormatException | RuntimeException e) {
                throw new IllegalArgumentException("bad latency histogram: " + e, e);
            }
        }

        private static long number(JsonNode event, String field) {
            JsonNode node = event.get(field);
            if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
                throw new IllegalArgumentException("\"" + field + "\" missing or not an integer");
            }
            return node.longValue();
        }

        /** A number; NaN for a missing one or Jackson's quoted "NaN"/"Infinity". */
        private static double decimal(JsonNode event, String field) {
            JsonNode node = event.get(field);
            if (node != null && node.isNumber()) {
                return node.doubleValue();
            }
            if (node != null && node.isTextual()) {
                return node.asDouble(Double.NaN);
            }
            throw new IllegalArgumentException("\"" + field + "\" missing or not a number");
        }

        private static String text(JsonNode event, String field) {
            JsonNode node = event.get(field);
            return node == null || node.isNull() ? null : node.asText();
        }

        private static String orEmpty(String s) {
            return s == null ? "" : s;
        }
    }

    @Override
    public String toString() {
        return "RunLog[" + simulation + ", " + samples.size() + " intervals, " + chaos.size() + " chaos events]";
    }
}
