package dev.treecast.cli;

import static dev.treecast.testing.Browser.require;
import static dev.treecast.testing.Browser.chromium;
import static dev.treecast.testing.Browser.commandWorks;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The demo's player URL in a real headless Chromium (Debian's, driven by playwright-core; never a downloaded
 * browser): the page asks the ingest's director for an edge, opens WebTransport to a leaf relay two levels down,
 * and plays through MSE. Within 15 s the video must advance at least 5 s, end under 1500 ms of latency to the
 * ingest clock, and never stall after start-up.
 *
 * <p>Needs chromium, node and {@code npm ci} in {@code player-gateway/src/test/js}; without them the test is
 * skipped with a message, unless {@code TREECAST_REQUIRE_BROWSER=1} (CI) or {@code -Dtreecast.requireBrowser=true}
 * makes that a failure.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserPlaybackTest {
    private static final Path HARNESS = Path.of("..", "player-gateway", "src", "test", "js");

    @Test
    void theDemoPlaysInHeadlessChromiumWithLowLatencyAndNoStall() throws Exception {
        String chromium = chromium();
        require(chromium != null, "Debian's chromium is not installed (apt-get install chromium)");
        require(commandWorks("node", "--version"), "node is not installed");
        require(Files.isDirectory(HARNESS.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run 'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci' in " + HARNESS);

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (Demo demo = Demo.start(new Demo.Options(List.of(2, 4), 0, "demo", "127.0.0.1", null, 0, 0, 500, null),
                new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            String url = demo.playerUrl();
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("open " + url);

            ProcessBuilder harness = new ProcessBuilder("node", "play.mjs", url, "--seconds", "15")
                    .directory(HARNESS.toFile());
            harness.environment().put("CHROMIUM", chromium);
            Process node = harness
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the harness finished").isTrue();
            List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
            assertThat(lines).as("harness output: " + output).isNotEmpty();
            JsonNode result = new ObjectMapper().readTree(lines.get(lines.size() - 1));
            System.out.println("browser: " + result);

            assertThat(result.path("error").isNull() || result.path("error").isMissingNode())
                    .as("harness error: " + result.path("error")).isTrue();
            assertThat(result.path("advancedSeconds").asDouble()).as(result.toString()).isGreaterThanOrEqualTo(5);
            assertThat(result.path("latencyMs").asDouble()).as(result.toString()).isLessThan(1500);
            assertThat(result.path("stallsAfterStart").asInt()).as(result.toString()).isZero();
            assertThat(result.path("relay").asText()).as("played from a leaf relay").startsWith("relay-2.");
            assertThat(result.path("ok").asBoolean()).as(result.toString()).isTrue();
            assertThat(node.exitValue()).isZero();
            // The browser's session really went through a leaf's gateway.
            assertThat(demo.gateways().stream().mapToLong(g -> g.metrics().sessionsOpened()).sum()).isPositive();
            // Once playing, the page told the ingest that served it its time to first frame, once.
            io.micrometer.core.instrument.Timer ttff = demo.ingest().registry().get("treecast.player.ttff").timer();
            dev.treecast.testing.Await.until("the player's TTFF report", java.time.Duration.ofSeconds(5),
                    () -> ttff.count() == 1, ttff::count);
            assertThat(ttff.totalTime(TimeUnit.MILLISECONDS)).as(result.toString())
                    .isCloseTo(result.path("startupMs").asDouble(), org.assertj.core.api.Assertions.within(1.0));
        }
    }
}
