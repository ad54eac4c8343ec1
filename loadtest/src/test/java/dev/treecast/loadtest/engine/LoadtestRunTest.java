package dev.treecast.loadtest.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.loadtest.model.AssertionResult;

/** A real load test, end to end: real QUIC and WebTransport on loopback, real relays really killed. */
@Timeout(120)
class LoadtestRunTest {

    @Test
    void thirtyViewersThroughTwoRelayKillsLoseNothingAndTheReportSaysSo(@TempDir Path output) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
        Runner.Result result = new Runner(new CiRun().spec(),
                new Runner.Settings(output, 1, Duration.ofSeconds(5), 7, out)).run();
        String printed = console.toString(StandardCharsets.UTF_8);
        System.out.println(printed);

        // The assertions held, and were printed as Gatling prints them.
        assertThat(result.assertions()).hasSize(5).allMatch(AssertionResult::passed);
        assertThat(result.exitCode()).isZero();
        assertThat(printed).contains("global: count of lostObjects is 0 : true (actual : 0)");
        assertThat(printed).containsPattern("\\[ +\\d+s\\] viewers \\d+ active"); // the live line

        // What happened is in the summary: everyone watched, both relays died, viewers and relays recovered.
        assertThat(result.summary().viewersStarted()).isEqualTo(30);
        assertThat(result.summary().viewersCompleted()).isEqualTo(30);
        assertThat(result.summary().lostObjects()).isZero();
        assertThat(result.summary().objects()).isGreaterThan(30 * 15 * 5);
        assertThat(result.summary().chaos()).hasSize(2).allMatch(l -> l.contains("kill"));
        assertThat(result.summary().reconnectMicros().getTotalCount()).isPositive();
        assertThat(result.summary().relayRepairs()).isPositive();
        assertThat(result.summary().originBytes()).isPositive();
        assertThat(result.summary().offload()).isGreaterThan(1);

        // The raw log, the report and the JSON summary exist; the JSON parses and agrees.
        Path dir = result.directory();
        assertThat(dir.resolve("events.jsonl")).isNotEmptyFile();
        String html = Files.readString(result.report());
        assertThat(html).contains("<svg").contains("kill").doesNotContain("src=\"http");
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.path("passed").asBoolean()).isTrue();
        assertThat(summary.toString()).contains("\"lostObjects\":0");
        List<String> lines = Files.readAllLines(dir.resolve("events.jsonl"));
        assertThat(lines).anyMatch(l -> l.contains("\"type\":\"reconnect\""));
    }
}
