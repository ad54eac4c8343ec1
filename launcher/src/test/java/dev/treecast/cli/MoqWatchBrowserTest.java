package dev.treecast.cli;

import static dev.treecast.testing.Browser.require;
import static dev.treecast.testing.Browser.chromium;
import static dev.treecast.testing.Browser.commandWorks;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.ingest.SigningKeys;
import dev.treecast.loadtest.engine.LocalCluster;
import dev.treecast.testing.Await;

/**
 * The third-party MoQ player {@code <moq-watch>} (npm {@code @moq/watch} 0.4.6, bundled at build time) in a real
 * headless Chromium (Debian's, driven by playwright-core through {@code player-gateway/src/test/js/moq-watch.mjs}),
 * on the page {@code /moq/demo} the ingest serves: the page asks the director for an edge and points the element at
 * a leaf relay two levels below the ingest, which speaks moq-lite to it; the ingest plays the built-in clip and
 * publishes it as hang tracks besides CMAF. Video must render: frames drawn on the canvas (counted by the page from
 * the player's own renderer) for at least 10 s, the canvas picture changing over time. Then the same while the relay
 * the player sits under is killed (as kill -9 would), and, separately, while that relay's parent is killed and the
 * tree repairs under it: frames must come back, and the test prints how long that took and what the player did.
 *
 * <p>Needs chromium, node and {@code npm ci} in {@code player-gateway/src/test/js}; without them the test is
 * skipped with a message, unless {@code TREECAST_REQUIRE_BROWSER=1} (CI) or {@code -Dtreecast.requireBrowser=true}
 * makes that a failure.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MoqWatchBrowserTest {
    private static final Path HARNESS = Path.of("..", "player-gateway", "src", "test", "js");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The built-in clip's frame rate. */
    private static final double CLIP_FPS = 25;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A tree ingest → 2 relays → 2 leaves with gateways, the built-in clip as "demo", the demo's access control. */
    private LocalCluster cluster() throws Exception {
        String chromium = chromium();
        require(chromium != null, "Debian's chromium is not installed (apt-get install chromium)");
        require(commandWorks("node", "--version"), "node is not installed");
        require(Files.isDirectory(HARNESS.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run 'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci' in " + HARNESS);
        LocalCluster cluster = LocalCluster.start(new LocalCluster.Options(List.of(2, 2), "demo", null, "127.0.0.1",
                null, 0, 0, 500), System.nanoTime(), SigningKeys.generate());
        open.add(cluster);
        return cluster;
    }

    /**
     * Runs the harness on {@code /moq/demo} of the ingest. With {@code killAfter}, {@code victim} maps the relay the
     * page plays from to the one to kill, which is killed when the harness asks.
     */
    private JsonNode watch(LocalCluster cluster, String query, int seconds, Integer enough, Integer killAfter,
                           Function<String, LocalCluster.Member> victim) throws Exception {
        String page = cluster.httpBase() + "/moq/demo" + query;
        List<String> command = new ArrayList<>(List.of("node", "moq-watch.mjs", page, "--seconds",
                String.valueOf(seconds)));
        if (enough != null) {
            command.addAll(List.of("--enough", String.valueOf(enough)));
        }
        if (killAfter != null) {
            command.addAll(List.of("--kill-after", String.valueOf(killAfter)));
        }
        ProcessBuilder harness = new ProcessBuilder(command).directory(HARNESS.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        harness.environment().put("CHROMIUM", chromium());
        Process node = harness.start();
        open.add(node::destroyForcibly);
        String resultLine = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(),
                StandardCharsets.UTF_8)); OutputStream in = node.getOutputStream()) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode json = JSON.readTree(line);
                if ("kill".equals(json.path("event").asText())) {
                    LocalCluster.Member target = victim.apply(json.path("relay").asText());
                    assertThat(target).as("the relay to kill for " + json).isNotNull();
                    System.out.printf("moq-watch: killing %s (level %d) while the player plays from %s%n",
                            target.nodeId(), target.level(), json.path("relay").asText());
                    long killedAt = System.currentTimeMillis();
                    cluster.kill(target);
                    in.write(("killed " + killedAt + "\n").getBytes(StandardCharsets.UTF_8));
                    in.close(); // the harness reads one line only
                } else if (!json.has("event")) {
                    resultLine = line;
                }
            }
        }
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("the harness finished").isTrue();
        assertThat(resultLine).as("the harness printed a result").isNotNull();
        JsonNode result = JSON.readTree(resultLine);
        System.out.println("moq-watch: " + result);
        assertThat(result.path("error").isNull()).as("harness error: " + result.path("error")).isTrue();
        assertThat(node.exitValue()).isZero();
        return result;
    }

    private static LocalCluster.Member member(LocalCluster cluster, String nodeId) {
        return cluster.members().stream().filter(m -> m.nodeId().equals(nodeId)).findFirst().orElse(null);
    }

    /**
     * The relay the leaf {@code relay} hangs under. Null for a moment while the leaf reconnects, and the ingest itself
     * after a repair that found no other relay (the controller moves the leaf back under a relay when it can).
     */
    private static LocalCluster.Member parentOf(LocalCluster cluster, String relay) {
        LocalCluster.Member leaf = member(cluster, relay);
        String[] parent = new String[1];
        Await.until("a relay as the parent of " + relay, Duration.ofSeconds(30),
                () -> (parent[0] = leaf.relay().parentId()) != null && member(cluster, parent[0]) != null,
                () -> "parent " + parent[0]);
        return member(cluster, parent[0]);
    }

    /**
     * Frames for at least {@code seconds}: the player received the clip's frames at its rate, drew a new one at
     * least twice a second (how many it draws depends on how often a headless Chromium on a shared machine runs
     * animation frames: the renderer draws the newest decoded frame per animation frame), and the picture on the
     * canvas changed between 500 ms samples taken while it was drawing.
     */
    private static void assertRendered(JsonNode r, double seconds) {
        double span = r.path("renderedSpanMs").asDouble() / 1000;
        assertThat(span).as("seconds of frames drawn: " + r).isGreaterThanOrEqualTo(seconds);
        assertThat(r.path("decoder").path("frameCount").asDouble()).as("frames the player received: " + r)
                .isGreaterThanOrEqualTo(0.8 * CLIP_FPS * seconds);
        assertThat(r.path("framesRendered").asDouble()).as("frames drawn: " + r).isGreaterThanOrEqualTo(2 * span);
        assertThat(r.path("litPixels").asInt()).as("the canvas is not black").isPositive();
        assertThat(r.path("canvasSamples").asInt()).isGreaterThanOrEqualTo((int) (1.5 * seconds));
        assertThat(r.path("canvasChanges").asInt()).as("the picture changes between 500 ms samples: " + r)
                .isGreaterThanOrEqualTo((int) (0.8 * r.path("canvasSamples").asInt()));
    }

    @Test
    void moqWatchRendersTheClipFromARelayTwoLevelsBelowTheIngest() throws Exception {
        LocalCluster cluster = cluster();
        JsonNode r = watch(cluster, "", 60, 11, null, null);

        assertThat(r.path("relay").asText()).as("played from a leaf two levels down").startsWith("relay-2.");
        assertThat(member(cluster, r.path("relay").asText()).level()).isEqualTo(2);
        assertRendered(r, 10);
        assertThat(r.path("maxGapMs").asInt()).as("no frame gap of a second or more after start-up: " + r)
                .isLessThan(1000);
        assertThat(r.path("decoder").path("frameCount").asInt()).as("frames the player received").isPositive();
        System.out.printf("moq-watch figures: first frame %d ms after navigation, %d frames drawn (%d received) in"
                        + " %.1f s, longest gap %d ms (in the first 2 s: %d ms)%n", r.path("firstFrameMs").asInt(),
                r.path("framesRendered").asInt(), r.path("decoder").path("frameCount").asInt(),
                r.path("renderedSpanMs").asDouble() / 1000, r.path("maxGapMs").asInt(),
                r.path("startupGapMs").asInt());
    }

    @Test
    void moqWatchPlaysOnAfterTheRelayItSitsUnderIsKilled() throws Exception {
        LocalCluster cluster = cluster();
        JsonNode r = watch(cluster, "", 75, 11, 5, relay -> member(cluster, relay));
        JsonNode kill = r.path("kill");

        assertThat(kill.path("relay").asText()).startsWith("relay-2.");
        assertThat(kill.path("recoveredAfterMs").isNumber()).as("frames came back: " + kill).isTrue();
        assertThat(kill.path("relayAfter").asText()).as("moved to another leaf").startsWith("relay-2.")
                .isNotEqualTo(kill.path("relay").asText());
        assertThat(kill.path("renderedAfterRecoveryMs").asInt()).as("played on after the recovery: " + kill)
                .isGreaterThanOrEqualTo(10_000);
        assertRendered(r, 10);
        System.out.printf("moq-watch figures (leaf %s killed): last frame %d ms after the kill, frames again %d ms"
                        + " after the kill from %s; @moq/watch reconnected by itself %d time(s); the page re-pointed"
                        + " it: %s%n", kill.path("relay").asText(), kill.path("lastFrameAfterKillMs").asInt(),
                kill.path("recoveredAfterMs").asInt(), kill.path("relayAfter").asText(),
                kill.path("selfReconnects").asInt(), kill.path("switches"));
    }

    /**
     * What {@code @moq/watch} does by itself, with the page's failover off: it only learns of the dead relay when the
     * QUIC connection times out, retries the same URL, and gives up; it never plays again. This is why the page
     * re-points it (the test above).
     */
    @Test
    void withoutThePagesFailoverMoqWatchAloneNeverLeavesAKilledRelay() throws Exception {
        LocalCluster cluster = cluster();
        JsonNode r = watch(cluster, "?failover=off", 50, null, 5, relay -> member(cluster, relay));
        JsonNode kill = r.path("kill");

        assertThat(kill.path("recoveredAfterMs").isNull()).as("no frame after the kill: " + kill).isTrue();
        assertThat(kill.path("selfReconnects").asInt()).isZero();
        assertThat(kill.path("switches").size()).isZero();
        long killedAt = kill.path("atMs").asLong();
        Long noticed = null;
        Long lastDisconnect = null;
        int attempts = 0;
        for (JsonNode e : r.path("events")) {
            long at = e.path("atMs").asLong();
            String status = e.path("status").asText();
            if (at < killedAt) {
                continue;
            }
            if (noticed == null && "disconnected".equals(status)) {
                noticed = at - killedAt;
            } else if (noticed != null && "connecting".equals(status)) {
                attempts++;
            }
            if ("disconnected".equals(status)) {
                lastDisconnect = at - killedAt;
            }
        }
        assertThat(r.path("connection").asText()).as("given up at the end: " + r.path("events"))
                .isNotEqualTo("connected");
        System.out.printf("moq-watch figures (leaf %s killed, page failover off): @moq/watch saw its connection close"
                        + " %s ms after the kill, then tried the same URL %d time(s) (last disconnect %s ms after the"
                        + " kill, status at the end: %s); it never played again%n", kill.path("relay").asText(),
                noticed, attempts, lastDisconnect, r.path("connection").asText());
    }

    @Test
    void moqWatchPlaysOnWhileTheTreeRepairsAboveItsRelay() throws Exception {
        LocalCluster cluster = cluster();
        JsonNode r = watch(cluster, "", 75, 11, 5, relay -> parentOf(cluster, relay));
        JsonNode kill = r.path("kill");

        assertThat(kill.path("relay").asText()).startsWith("relay-2.");
        assertThat(kill.path("renderedAfterRecoveryMs").asInt() > 0 || kill.path("recoveredAfterMs").isNull())
                .isTrue();
        assertRendered(r, 10);
        // Frames were drawn until the end: after the repair (or through it, if the gap stayed under 500 ms).
        assertThat(r.path("lastFrameAgoMs").asInt()).as("still drawing frames at the end: " + r).isLessThan(1000);
        System.out.printf("moq-watch figures (parent of %s killed): last frame %s ms after the kill, frames again %s"
                        + " ms after the kill, from %s; @moq/watch reconnected by itself %d time(s); page"
                        + " re-pointings: %s%n", kill.path("relay").asText(), kill.path("lastFrameAfterKillMs"),
                kill.path("recoveredAfterMs"), kill.path("relayAfter").asText(), kill.path("selfReconnects").asInt(),
                kill.path("switches"));
    }
}
