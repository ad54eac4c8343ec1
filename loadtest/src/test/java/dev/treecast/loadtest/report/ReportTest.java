package dev.treecast.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.loadtest.model.AssertionResult;
import dev.treecast.loadtest.model.AssertionSpec;
import dev.treecast.loadtest.model.AssertionSpec.Condition;
import dev.treecast.loadtest.model.AssertionSpec.Metric;
import dev.treecast.loadtest.model.AssertionSpec.Stat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReportTest {
    private static final int CHARTS = 7;
    private static final AssertionResult P99_OK = new AssertionResult(
            new AssertionSpec(Metric.LATENCY, Stat.PERCENTILE, 99, Condition.LT, 1000),
            "global: 99th percentile of latency (ms) is less than 1000", true, 834.2);
    private static final AssertionResult MAX_FAILED = new AssertionResult(
            new AssertionSpec(Metric.LATENCY, Stat.MAX, 0, Condition.LT, 100),
            "global: max of latency (ms) < 100 & \"strict\"", false, 1291.5);
    private static final AssertionResult NOTHING_MEASURED = new AssertionResult(
            new AssertionSpec(Metric.RECONNECTS, Stat.PERCENTILE, 50, Condition.LT, 100),
            "global: 50th percentile of reconnects (ms) is less than 100", false, Double.NaN);

    @TempDir
    Path dir;

    private RunLog sampleRun() throws IOException {
        Path file = dir.resolve("events.jsonl");
        try (EventLog log = EventLog.create(file)) {
            SampleRun.write(log);
        }
        return Report.read(file);
    }

    @Test
    void theHtmlReportIsOneWellFormedSelfContainedPage() throws Exception {
        Path out = dir.resolve("report");
        Report.write(sampleRun(), List.of(P99_OK, MAX_FAILED, NOTHING_MEASURED), out);
        String html = Files.readString(out.resolve("index.html"));

        Document doc = parse(html);
        assertThat(doc.getElementsByTagName("svg").getLength()).isEqualTo(CHARTS);
        assertThat(count(html, "<svg")).isEqualTo(CHARTS);
        assertThat(doc.getElementsByTagName("script").getLength()).isZero();
        // Nothing fetched: no links, no sources, no remote styles (and no URL anywhere, as the target has none).
        assertThat(html).doesNotContain("http://", "https://", " src=", " href=", "url(", "@import");
        // Every string escaped: the simulation's name has quotes, angle brackets and an ampersand.
        assertThat(html).contains("<h1>Live &quot;premiere&quot; &lt;4K&gt; &amp; co</h1>")
                .doesNotContain("<4K>");
    }

    @Test
    void theHtmlReportShowsAssertionsAsGreenAndRedRowsWithTheirPrintedText() throws Exception {
        Path out = dir.resolve("report");
        Report.write(sampleRun(), List.of(P99_OK, MAX_FAILED, NOTHING_MEASURED), out);
        String html = Files.readString(out.resolve("index.html"));

        assertThat(count(html, "<tr class=\"pass\">")).isEqualTo(1);
        assertThat(count(html, "<tr class=\"fail\">")).isEqualTo(2);
        assertThat(html).contains(Svg.escape(P99_OK.toString()), Svg.escape(MAX_FAILED.toString()),
                Svg.escape(NOTHING_MEASURED.toString()));
        assertThat(html).contains("global: max of latency (ms) &lt; 100 &amp; &quot;strict&quot; : false"
                + " (actual : 1291.500)");
    }

    @Test
    void chaosEventsAreLabelledMarkersOnEveryTimeChart() throws Exception {
        Path out = dir.resolve("report");
        Report.write(sampleRun(), List.of(), out);
        String html = Files.readString(out.resolve("index.html"));

        int timeCharts = 5; // all but the startup histogram and the sorted repair times
        assertThat(count(html, ">kill relay-1.2</text>")).isEqualTo(timeCharts);
        assertThat(count(html, ">stop relay-2.2</text>")).isEqualTo(timeCharts);
        assertThat(count(html, ">resume relay-2.2</text>")).isEqualTo(timeCharts);
        assertThat(html).contains("<title>t=12.0s kill relay-1.2 (pid 4242)</title>");
        assertThat(html).contains("No assertions.");
        // The summary cards carry the headline numbers.
        assertThat(html).contains("<th>peak active</th><td>4</td>", "<th>repairs</th><td>2</td>",
                "<th>origin egress</th><td>1.14 MB</td>", "<th>delivered</th><td>2.19 MB</td>",
                "<th>offload ratio</th><td>1.9×</td>");
    }

    @Test
    void summaryJsonHasTheNumbersTheChaosAndTheAssertionsForCi() throws Exception {
        Path out = dir.resolve("report");
        RunLog run = sampleRun();
        Report.write(run, List.of(P99_OK, MAX_FAILED, NOTHING_MEASURED), out);
        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());

        Histogram all = SampleRun.allLatencies();
        assertThat(json.get("passed").asBoolean()).isFalse();
        assertThat(json.get("simulation").asText()).isEqualTo(SampleRun.SIMULATION);
        assertThat(json.get("durationMillis").asLong()).isEqualTo(21_000);
        assertThat(json.get("complete").asBoolean()).isTrue();
        assertThat(json.at("/viewers/started").asLong()).isEqualTo(4);
        assertThat(json.at("/viewers/failed").asLong()).isEqualTo(1);
        assertThat(json.at("/viewers/peakActive").asInt()).isEqualTo(4);
        assertThat(json.at("/latency/count").asLong()).isEqualTo(1800);
        assertThat(json.at("/latency/p50").asDouble()).isEqualTo(all.getValueAtPercentile(50) / 1000.0);
        assertThat(json.at("/latency/p95").asDouble()).isEqualTo(all.getValueAtPercentile(95) / 1000.0);
        assertThat(json.at("/latency/p99").asDouble()).isEqualTo(all.getValueAtPercentile(99) / 1000.0);
        assertThat(json.at("/latency/max").asDouble()).isEqualTo(all.getMaxValue() / 1000.0);
        assertThat(json.at("/latency/mean").asDouble()).isEqualTo(all.getMean() / 1000);
        assertThat(json.at("/startup/count").asLong()).isEqualTo(4);
        assertThat(json.at("/relayRepair/count").asLong()).isEqualTo(2);
        assertThat(json.at("/stalls/count").asLong()).isEqualTo(2);
        assertThat(json.at("/stalls/ratio").asDouble()).isEqualTo(1_250.0 / 74_300);
        assertThat(json.get("originBytes").asLong()).isEqualTo(1_140_000);
        assertThat(json.get("deliveredBytes").asLong()).isEqualTo(2_190_000);
        assertThat(json.get("offload").asDouble()).isEqualTo(2_190_000.0 / 1_140_000);
        assertThat(json.get("chaos")).extracting(JsonNode::asText).containsExactly(
                "t=12.0s kill relay-1.2 (pid 4242)", "t=15.0s stop relay-2.2", "t=16.0s resume relay-2.2");

        JsonNode assertions = json.get("assertions");
        assertThat(assertions).hasSize(3);
        assertThat(assertions.get(0).get("description").asText()).isEqualTo(P99_OK.description());
        assertThat(assertions.get(0).get("passed").asBoolean()).isTrue();
        assertThat(assertions.get(0).get("actual").asDouble()).isEqualTo(834.2);
        assertThat(assertions.get(1).get("passed").asBoolean()).isFalse();
        assertThat(assertions.get(2).get("actual").isNull()).isTrue(); // NaN: nothing measured
    }

    @Test
    void allAssertionsPassingMakesThePassedFlagTrue() throws Exception {
        Path out = dir.resolve("report");
        Report.write(sampleRun(), List.of(P99_OK), out);
        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(json.get("passed").asBoolean()).isTrue();
    }

    @Test
    void anEmptyLogStillGivesAReportWithEmptyCharts() throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "");
        Path out = dir.resolve("report");
        Report.write(Report.read(file), List.of(), out);

        String html = Files.readString(out.resolve("index.html"));
        parse(html);
        assertThat(count(html, "<svg")).isEqualTo(CHARTS);
        assertThat(count(html, ">no data</text>")).isEqualTo(CHARTS);
        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(json.at("/latency/count").asLong()).isZero();
        assertThat(json.at("/latency/p99").isNull()).isTrue();
        assertThat(json.get("offload").isNull()).isTrue();
        assertThat(json.get("passed").asBoolean()).isTrue();
    }

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(html)));
    }

    private static int count(String text, String what) {
        return (int) Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
    }
}
