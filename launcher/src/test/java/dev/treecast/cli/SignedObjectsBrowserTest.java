package dev.treecast.cli;

import static dev.treecast.testing.Browser.require;
import static dev.treecast.testing.Browser.chromium;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.ingest.testing.TamperingRelay;
import dev.treecast.protocol.TrackName;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;

/**
 * The player's own signature check, in a real headless Chromium: ingest (the demo clip) → a relay that alters one
 * byte of one video object → an edge told not to verify (so nothing stops the object before the browser) → the
 * player page from that edge, which gets the broadcast key from {@code /api/edge}. The player must reject exactly
 * that object (WebCrypto Ed25519), never append it, and play everything else.
 *
 * <p>Needs chromium, node and {@code npm ci} in {@code player-gateway/src/test/js}, like {@link BrowserPlaybackTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignedObjectsBrowserTest {
    private static final Path HARNESS = Path.of("..", "player-gateway", "src", "test", "js");
    private static final TrackName VIDEO = new TrackName("demo", "video");

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T run(T closeable) {
        running.add(closeable);
        return closeable;
    }

    @Test
    void thePlayerRejectsExactlyTheAlteredObjectAndPlaysTheRest() throws Exception {
        String chromium = chromium();
        require(chromium != null, "Debian's chromium is not installed (apt-get install chromium)");
        require(Files.isDirectory(HARNESS.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run 'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci' in " + HARNESS);

        Ingest ingest = run(new Ingest(IngestConfig.loopback()).start());
        ingest.playDemoClip("demo");
        TamperingRelay tamperer = run(TamperingRelay.start("tamperer", ingest.quicAddress(),
                List.of(new TrackName("demo", "catalog"), VIDEO, new TrackName("demo", "audio"))));
        Relay edge = run(new Relay(RelayConfig.builder().nodeId("edge").parent(tamperer.quicAddress())
                .broadcastKey(ingest.publicKey()).verify(RelayConfig.Verify.NEVER).build()).start());
        Gateway gateway = run(new Gateway(edge, GatewayConfig.builder().build()).start());
        assertThat(edge.isVerifying()).isFalse();
        String url = "http://127.0.0.1:" + gateway.httpAddress().getPort() + "/watch/demo";

        ProcessBuilder harness = new ProcessBuilder("node", "play.mjs", url, "--seconds", "20")
                .directory(HARNESS.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        harness.environment().put("CHROMIUM", chromium);
        Process node = harness.start();
        run(node::destroyForcibly);
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        // Once the browser has a couple of seconds of media, one video object on its way is altered.
        Await.until("the browser receiving media", Duration.ofSeconds(30),
                () -> edge.metrics().objectsForwarded() >= 20, () -> edge.metrics().objectsForwarded());
        tamperer.tamperNext(VIDEO);
        Await.until("an object altered", Duration.ofSeconds(10), () -> !tamperer.tampered().isEmpty());
        TamperingRelay.Tampered bad = tamperer.tampered().get(0);

        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the harness finished").isTrue();
        String printed = output.get(10, TimeUnit.SECONDS);
        List<String> lines = printed.lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).as("harness output: " + printed).isNotEmpty();
        JsonNode result = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        System.out.println("browser: " + result);

        assertThat(result.path("verifying").asBoolean()).as("the page verified with the edge's key").isTrue();
        assertThat(result.path("rejectedObjects").asInt()).as(result.toString()).isEqualTo(1);
        JsonNode rejected = result.path("rejected").get(0);
        assertThat(rejected.path("track").asText()).isEqualTo("video");
        assertThat(rejected.path("group").asLong()).isEqualTo(bad.group());
        assertThat(rejected.path("sequence").asLong()).isEqualTo(bad.sequence());
        assertThat(rejected.path("reason").asText()).isEqualTo("invalid");
        // The edge forwarded it (it was told not to verify): only the player stood in the way.
        assertThat(edge.metrics().objectsRejected()).isZero();
        // Everything else played: the check passes every genuine object, at the live edge.
        assertThat(result.path("advancedSeconds").asDouble()).as(result.toString()).isGreaterThanOrEqualTo(5);
        assertThat(result.path("latencyMs").asDouble()).as(result.toString()).isLessThan(1500);
    }
}
