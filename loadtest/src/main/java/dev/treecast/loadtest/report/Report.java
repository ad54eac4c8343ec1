package dev.treecast.loadtest.report;

import static dev.treecast.loadtest.report.Svg.escape;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.treecast.loadtest.model.AssertionResult;
import dev.treecast.loadtest.model.Summary;

/**
 * Builds the run's report from its event log, after the run: {@code index.html} (one self-contained page: inline
 * CSS, inline SVG charts, no script, nothing fetched) and {@code summary.json} (the numbers and the assertions, for
 * CI to read with jq).
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** Repair charts show at most this many points of the sorted times (evenly spaced ranks, both ends kept). */
    private static final int MAX_POINTS = 400;
    private static final String BLUE = "#4e79a7";
    private static final String ORANGE = "#f28e2b";
    private static final String RED = "#e15759";
    private static final String GREEN = "#59a14f";

    private static final String CSS = """
            body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;padding:16px 24px;\
            max-width:1400px;color:#222;background:#fafafa}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
            .meta{color:#555;margin:0}
            .warn{background:#fff3cd;border:1px solid #e0c060;padding:8px 12px;margin:12px 0}
            table{border-collapse:collapse}
            .assertions td{padding:4px 10px;border-bottom:1px solid #ddd}
            .assertions tr.pass{background:#e6f4e6}.assertions tr.fail{background:#fbe3e3}
            .assertions .mark{font-weight:bold;width:1.5em}
            .pass .mark{color:#2e7d32}.fail .mark{color:#c62828}
            .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:12px;\
            align-items:start}
            .card{background:#fff;border:1px solid #ddd;width:100%}
            .card caption{text-align:left;font-weight:bold;padding:6px 8px 2px}
            .card th{text-align:left;font-weight:normal;color:#555;padding:2px 8px}
            .card td{text-align:right;padding:2px 8px;font-variant-numeric:tabular-nums}
            .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}
            figure{margin:0;background:#fff;border:1px solid #ddd;padding:4px}
            svg{width:100%;height:auto;display:block;font-size:12px}
            svg text{fill:#333}svg .title{font-size:14px;font-weight:bold}svg .label{fill:#555}
            svg .grid{stroke:#e5e5e5}
            svg .marker line{stroke:#c0392b;stroke-dasharray:4 3}svg .marker text{fill:#c0392b;font-size:10px}
            """;

    private Report() {
    }

    /** Reads a run's event log; see {@link RunLog#read}. */
    public static RunLog read(Path eventLog) throws IOException {
        return RunLog.read(eventLog);
    }

    /** Writes {@code index.html} and {@code summary.json} into {@code outputDir} (created if needed). */
    public static void write(RunLog log, List<AssertionResult> assertions, Path outputDir) throws IOException {
        Files.createDirectories(outputDir);
        Files.writeString(outputDir.resolve("index.html"), html(log, assertions), StandardCharsets.UTF_8);
        JSON.writerWithDefaultPrettyPrinter().writeValue(outputDir.resolve("summary.json").toFile(),
                json(log, assertions));
    }

    // ---- summary.json ----

    static ObjectNode json(RunLog log, List<AssertionResult> assertions) {
        Summary s = log.summary();
        ObjectNode root = JSON.createObjectNode();
        root.put("simulation", s.simulation());
        root.put("target", log.target());
        root.put("startEpochMillis", log.startEpochMillis());
        root.put("durationMillis", s.durationMillis());
        root.put("complete", log.complete());
        root.put("droppedEvents", log.droppedLines());
        root.put("passed", assertions.stream().allMatch(AssertionResult::passed));
        ObjectNode viewers = root.putObject("viewers");
        viewers.put("started", s.viewersStarted());
        viewers.put("completed", s.viewersCompleted());
        viewers.put("failed", s.viewersFailed());
        viewers.put("peakActive", s.peakActiveViewers());
        histogram(root.putObject("latency"), s.latencyMicros());
        histogram(root.putObject("startup"), s.startupMicros());
        histogram(root.putObject("reconnect"), s.reconnectMicros());
        histogram(root.putObject("relayRepair"), s.relayRepairMicros());
        ObjectNode stalls = root.putObject("stalls");
        stalls.put("count", s.stalls());
        stalls.put("millis", s.stallMillis());
        stalls.put("ratio", s.stallRatio());
        root.put("watchedMillis", s.watchedMillis());
        root.put("objects", s.objects());
        root.put("lostObjects", s.lostObjects());
        root.put("duplicateObjects", s.duplicateObjects());
        root.put("reconnects", s.reconnects());
        root.put("relayRepairs", s.relayRepairs());
        root.put("originBytes", s.originBytes());
        root.put("deliveredBytes", s.deliveredBytes());
        number(root, "offload", s.offload());
        ArrayNode chaos = root.putArray("chaos");
        s.chaos().forEach(chaos::add);
        ArrayNode results = root.putArray("assertions");
        for (AssertionResult a : assertions) {
            ObjectNode r = results.addObject();
            r.put("description", a.description());
            r.put("passed", a.passed());
            number(r, "actual", a.actual());
            r.put("text", a.toString());
        }
        return root;
    }

    /** count, mean, p50, p95, p99, max in ms (null but the count when nothing was recorded). */
    private static void histogram(ObjectNode node, Histogram h) {
        node.put("count", h.getTotalCount());
        boolean empty = h.getTotalCount() == 0;
        number(node, "mean", empty ? Double.NaN : h.getMean() / 1000);
        number(node, "p50", empty ? Double.NaN : h.getValueAtPercentile(50) / 1000.0);
        number(node, "p95", empty ? Double.NaN : h.getValueAtPercentile(95) / 1000.0);
        number(node, "p99", empty ? Double.NaN : h.getValueAtPercentile(99) / 1000.0);
        number(node, "max", empty ? Double.NaN : h.getMaxValue() / 1000.0);
    }

    /** JSON has no NaN: unknown is null. */
    private static void number(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    // ---- index.html ----

    static String html(RunLog log, List<AssertionResult> assertions) {
        Summary s = log.summary();
        String title = s.simulation().isEmpty() ? "Load test" : s.simulation();
        StringBuilder page = new StringBuilder(64 * 1024);
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(escape(title)).append(" — Treecast load test</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");

        page.append("<header><h1>").append(escape(title)).append("</h1><p class=\"meta\">Target: ")
                .append(escape(log.target())).append(" · started ")
                .append(log.startEpochMillis() == 0 ? "(unknown)" : DATE.format(Instant.ofEpochMilli(
                        log.startEpochMillis())))
                .append(" · duration ").append(duration(s.durationMillis())).append("</p></header>\n");
        if (!log.complete()) {
            warn(page, "The log ends without the run's end: the run was killed or is still going. The numbers"
                    + " cover what was logged.");
        }
        if (log.droppedLines() > 0) {
            warn(page, log.droppedLines() + " events were dropped because the log writer fell behind: counts"
                    + " are lower bounds.");
        }

        page.append("<h2>Assertions</h2>\n");
        if (assertions.isEmpty()) {
            page.append("<p>No assertions.</p>\n");
        } else {
            page.append("<table class=\"assertions\">\n");
            for (AssertionResult a : assertions) {
                page.append("<tr class=\"").append(a.passed() ? "pass" : "fail").append("\"><td class=\"mark\">")
                        .append(a.passed() ? "✔" : "✘").append("</td><td>").append(escape(a.toString()))
                        .append("</td></tr>\n");
            }
            page.append("</table>\n");
        }

        page.append("<h2>Summary</h2>\n<div class=\"cards\">\n");
        long unfinished = s.viewersStarted() - s.viewersCompleted() - s.viewersFailed();
        card(page, "Viewers", "started", count(s.viewersStarted()), "completed", count(s.viewersCompleted()),
                "failed", count(s.viewersFailed()), "still watching at the end", count(unfinished),
                "peak active", count(s.peakActiveViewers()));
        card(page, "Time to first frame", "p50", percentile(s.startupMicros(), 50), "p95",
                percentile(s.startupMicros(), 95), "p99", percentile(s.startupMicros(), 99), "viewers",
                count(s.startupMicros().getTotalCount()));
        card(page, "Latency", "p50", percentile(s.latencyMicros(), 50), "p95", percentile(s.latencyMicros(), 95),
                "p99", percentile(s.latencyMicros(), 99), "max", max(s.latencyMicros()), "objects",
                count(s.latencyMicros().getTotalCount()));
        card(page, "Stalls", "stalls", count(s.stalls()), "stall time", duration(s.stallMillis()),
                "watched", duration(s.watchedMillis()), "stall ratio", percent(s.stallRatio()));
        card(page, "Objects", "received", count(s.objects()), "lost", count(s.lostObjects()), "duplicates",
                count(s.duplicateObjects()));
        card(page, "Viewer reconnects", "reconnects", count(s.reconnects()), "p50",
                percentile(s.reconnectMicros(), 50), "p99", percentile(s.reconnectMicros(), 99), "max",
                max(s.reconnectMicros()));
        card(page, "Relay repairs", "repairs", count(s.relayRepairs()), "p50",
                percentile(s.relayRepairMicros(), 50), "p99", percentile(s.relayRepairMicros(), 99), "max",
                max(s.relayRepairMicros()));
        card(page, "Bandwidth", "origin egress", s.originBytes() < 0 ? "unknown" : bytes(s.originBytes()),
                "delivered", bytes(s.deliveredBytes()), "offload ratio", offload(s.offload()));
        if (!s.chaos().isEmpty()) {
            StringBuilder chaos = new StringBuilder("<table class=\"card\"><caption>Chaos</caption>");
            for (String line : s.chaos()) {
                chaos.append("<tr><th>").append(escape(line)).append("</th></tr>");
            }
            page.append(chaos).append("</table>\n");
        }
        page.append("</div>\n");

        page.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        for (String chart : charts(log)) {
            page.append("<figure>").append(chart).append("</figure>\n");
        }
        page.append("</div>\n</body>\n</html>\n");
        return page.toString();
    }

    static List<String> charts(RunLog log) {
        Summary s = log.summary();
        List<RunLog.Sample> samples = log.samples();
        int n = samples.size();
        double[] seconds = new double[n];
        double[] active = new double[n];
        double[] p50 = new double[n];
        double[] p99 = new double[n];
        double[] max = new double[n];
        double[] stalling = new double[n];
        double[] lost = new double[n];
        double[] duplicates = new double[n];
        double[] origin = new double[n];
        double[] delivered = new double[n];
        long previous = 0;
        for (int i = 0; i < n; i++) {
            RunLog.Sample sample = samples.get(i);
            // Rates are per second of the interval, whatever its length (the first covers the run's start).
            double intervalSeconds = (sample.t() > previous ? sample.t() - previous : 1000) / 1000.0;
            previous = sample.t();
            seconds[i] = sample.t() / 1000.0;
            active[i] = sample.activeViewers();
            p50[i] = sample.latencyP50Millis();
            p99[i] = sample.latencyP99Millis();
            max[i] = sample.latencyMaxMillis();
            stalling[i] = sample.stallingViewers();
            lost[i] = sample.lost() / intervalSeconds;
            duplicates[i] = sample.duplicates() / intervalSeconds;
            origin[i] = sample.originBytes() < 0 ? Double.NaN : sample.originBytes() * 8 / 1e6 / intervalSeconds;
            delivered[i] = sample.bytes() * 8 / 1e6 / intervalSeconds;
        }
        List<Svg.Marker> markers = log.chaos().stream()
                .map(c -> new Svg.Marker(c.t() / 1000.0, c.action() + " " + c.relay(), c.line()))
                .toList();
        String time = "time (s)";
        List<String> charts = new ArrayList<>();
        charts.add(Svg.lineChart("Active viewers", time, "viewers",
                List.of(new Svg.Series("active", BLUE, seconds, active)), markers));
        charts.add(Svg.lineChart("Latency (ingest to viewer)", time, "ms",
                List.of(new Svg.Series("p50", BLUE, seconds, p50), new Svg.Series("p99", ORANGE, seconds, p99),
                        new Svg.Series("max", RED, seconds, max)), markers));
        charts.add(startupChart(s.startupMicros()));
        charts.add(Svg.lineChart("Stalling viewers — stall ratio " + percent(s.stallRatio()) + " of watched time",
                time, "viewers", List.of(new Svg.Series("stalling", RED, seconds, stalling)), markers));
        charts.add(Svg.lineChart("Lost objects", time, "objects / s",
                List.of(new Svg.Series("lost", RED, seconds, lost),
                        new Svg.Series("duplicates", ORANGE, seconds, duplicates)), markers));
        charts.add(repairChart(log.reconnectMillis(), log.relayRepairMillis()));
        // With a real tree the origin's line would lie flat on zero next to the viewers': plot both on a log scale.
        boolean logY = s.offload() > 20;
        charts.add(Svg.lineChart("Origin egress vs delivered to viewers — offload " + offload(s.offload()), time,
                logY ? "Mbit/s (log scale)" : "Mbit/s",
                List.of(new Svg.Series("origin egress", ORANGE, seconds, origin),
                        new Svg.Series("delivered", GREEN, seconds, delivered)), markers, logY));
        return charts;
    }

    /** Bars of about 20 round bins up to the 99.5th percentile; slower viewers land in the last bar. */
    private static String startupChart(Histogram startupMicros) {
        String title = "Time to first frame";
        if (startupMicros.getTotalCount() == 0) {
            return Svg.barChart(title, "ms", "viewers", new double[] {0}, new long[0]);
        }
        double upper = Math.max(1, startupMicros.getValueAtPercentile(99.5) / 1000.0);
        double width = Svg.niceStep(upper / 20);
        int bins = Math.max(1, (int) Math.ceil(upper / width - 1e-9));
        double[] edges = new double[bins + 1];
        for (int i = 0; i <= bins; i++) {
            edges[i] = i * width;
        }
        long[] counts = new long[bins];
        for (HistogramIterationValue v : startupMicros.recordedValues()) {
            int bin = (int) Math.min(bins - 1, Math.floor(v.getValueIteratedTo() / 1000.0 / width));
            counts[bin] += v.getCountAtValueIteratedTo();
        }
        double maxMillis = startupMicros.getMaxValue() / 1000.0;
        if (maxMillis >= edges[bins]) {
            title += String.format(Locale.ROOT, " (last bar includes up to %.0f ms)", maxMillis);
        }
        return Svg.barChart(title, "ms", "viewers", edges, counts);
    }

    /** Each kind of repair's times sorted: x is the share of repairs at most that long (a CDF turned sideways). */
    private static String repairChart(double[] reconnects, double[] relayRepairs) {
        return Svg.lineChart("Repair times (sorted)", "% of repairs", "ms",
                List.of(sorted("viewer reconnects", BLUE, reconnects), sorted("relay repairs", RED, relayRepairs)),
                List.of());
    }

    private static Svg.Series sorted(String name, String color, double[] values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        int points = Math.min(v.length, MAX_POINTS);
        double[] x = new double[points];
        double[] y = new double[points];
        for (int i = 0; i < points; i++) {
            int rank = points == 1 ? 0 : (int) Math.round((double) i * (v.length - 1) / (points - 1));
            x[i] = 100.0 * (rank + 1) / v.length;
            y[i] = v[rank];
        }
        return new Svg.Series(name, color, x, y, true);
    }

    private static void warn(StringBuilder page, String text) {
        page.append("<p class=\"warn\">").append(escape(text)).append("</p>\n");
    }

    /** A summary card: a caption and (label, value) pairs. */
    private static void card(StringBuilder page, String caption, String... pairs) {
        page.append("<table class=\"card\"><caption>").append(escape(caption)).append("</caption>");
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            page.append("<tr><th>").append(escape(pairs[i])).append("</th><td>").append(escape(pairs[i + 1]))
                    .append("</td></tr>");
        }
        page.append("</table>\n");
    }

    private static String percentile(Histogram h, double p) {
        return h.getTotalCount() == 0 ? "–" : millis(h.getValueAtPercentile(p) / 1000.0);
    }

    private static String max(Histogram h) {
        return h.getTotalCount() == 0 ? "–" : millis(h.getMaxValue() / 1000.0);
    }

    private static String millis(double ms) {
        return ms >= 10_000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000)
                : String.format(Locale.ROOT, ms >= 100 ? "%.0f ms" : "%.1f ms", ms);
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.2f %%", ratio * 100);
    }

    private static String offload(double ratio) {
        return Double.isNaN(ratio) ? "unknown" : String.format(Locale.ROOT, "%.1f×", ratio);
    }

    static String bytes(long n) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = n;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }

    static String duration(long millis) {
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long s = millis / 1000;
        return s >= 3600 ? String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
}
