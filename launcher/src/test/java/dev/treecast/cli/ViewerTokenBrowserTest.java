package dev.treecast.cli;

import static dev.treecast.testing.Browser.require;
import static dev.treecast.testing.Browser.chromium;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
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
import dev.treecast.ingest.SigningKeys;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;

/**
 * Viewer tokens in a real headless Chromium, with tokens required: the page from the ingest gets a token from the
 * director and plays; the page from the edge relay itself with an expired token, or none, is refused on the
 * WebTransport CONNECT, and the player says why.
 *
 * <p>Needs chromium, node and {@code npm ci} in {@code player-gateway/src/test/js}, like {@link BrowserPlaybackTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ViewerTokenBrowserTest {
    private static final Path HARNESS = Path.of("..", "player-gateway", "src", "test", "js");

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

    /** Plays {@code url} for {@code seconds}: the harness's exit status and its JSON verdict. */
    private record Played(int exit, JsonNode result) {
    }

    private Played play(String chromium, String url, int seconds) throws Exception {
        ProcessBuilder harness = new ProcessBuilder("node", "play.mjs", url, "--seconds", Integer.toString(seconds))
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
        assertThat(node.waitFor(seconds + 40L, TimeUnit.SECONDS)).as("the harness finished").isTrue();
        String printed = output.get(10, TimeUnit.SECONDS);
        List<String> lines = printed.lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).as("harness output: " + printed).isNotEmpty();
        JsonNode result = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        System.out.println("browser: " + result);
        return new Played(node.exitValue(), result);
    }

    @Test
    void aBrowserPlaysWithTheDirectorsTokenAndIsRefusedWithAnExpiredOneOrNone() throws Exception {
        String chromium = chromium();
        require(chromium != null, "Debian's chromium is not installed (apt-get install chromium)");
        require(Files.isDirectory(HARNESS.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run 'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci' in " + HARNESS);

        KeyPair operator = SigningKeys.generate();
        byte[] operatorKey = ObjectSignature.rawPublicKey(operator.getPublic());
        long now = System.currentTimeMillis() / 1000;
        Ingest ingest = run(new Ingest(IngestConfig.loopback().withOperatorKey(operator)).start());
        ingest.playDemoClip("demo");
        Relay edge = run(new Relay(RelayConfig.builder().nodeId("edge")
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "", 0))
                .access(RelayConfig.Access.enforcing(operatorKey)
                        .withToken(AccessToken.relay(now + 3600, "edge").sign(operator.getPrivate()))).build())
                .start());
        Gateway gateway = run(new Gateway(edge, GatewayConfig.builder().build()).start());
        edge.edge(gateway.webTransportUrl(""), edge.certificates().sha256Hex());
        Await.until("the edge placed and known to the director", Duration.ofSeconds(10),
                () -> edge.parentId() != null && ingest.director().size() == 1);

        // The page from the ingest: the director hands it a token with the edge to watch from.
        Played valid = play(chromium, "http://127.0.0.1:" + ingest.httpAddress().getPort() + "/watch/demo", 15);
        assertThat(valid.exit()).as(valid.result().toString()).isZero();
        assertThat(valid.result().path("url").asText()).as("the token is not shown").doesNotContain("token");
        assertThat(gateway.metrics().sessionsOpened()).isPositive();

        // The edge's own page, with an expired token: refused on the CONNECT; the player says why.
        String page = "http://127.0.0.1:" + gateway.httpAddress().getPort() + "/watch/demo";
        String expired = AccessToken.viewer("demo", null, now - 60, "late").sign(operator.getPrivate());
        Played late = play(chromium, page + "?token=" + expired, 6);
        assertThat(late.exit()).as(late.result().toString()).isEqualTo(1);
        assertThat(late.result().path("error").asText()).contains("the viewer token expired at");
        assertThat(gateway.metrics().authRefusals("expired")).isPositive();

        // No token at all: refused too, and the player suggests one is needed.
        Played none = play(chromium, page, 6);
        assertThat(none.exit()).as(none.result().toString()).isEqualTo(1);
        assertThat(none.result().path("error").asText()).contains("does this fleet need a viewer token");
        assertThat(gateway.metrics().authRefusals("missing")).isPositive();
    }
}
