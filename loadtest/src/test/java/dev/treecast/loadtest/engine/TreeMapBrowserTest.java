package dev.treecast.loadtest.engine;

import static dev.treecast.testing.Browser.require;
import static dev.treecast.testing.Browser.chromium;
import static dev.treecast.testing.Browser.commandWorks;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.testing.Await;

/**
 * The ingest's tree map ({@code /tree}) in a real headless Chromium (Debian's, driven by playwright-core through
 * {@code player-gateway/src/test/js/treemap.mjs}) over a real in-process tree of six relays on two levels: every
 * relay is drawn with an edge from its real parent; then a relay with children is crashed, and the page shows it
 * dead, its children under their new parents and a repair line in its log, within a bounded wait and without a
 * reload (the SSE feed).
 *
 * <p>Without chromium, node or {@code npm ci} in {@code player-gateway/src/test/js} the test is skipped with a
 * message, unless {@code TREECAST_REQUIRE_BROWSER=1} or {@code -Dtreecast.requireBrowser=true} makes that a failure.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class TreeMapBrowserTest {
    private static final Path HARNESS = Path.of("..", "player-gateway", "src", "test", "js");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** From the crash to the page showing the repaired tree: detection (~0.5 s) + repair + one report and tick. */
    private static final Duration REPAIR_SHOWN_WITHIN = Duration.ofSeconds(10);

    /** The observer process: its JSON lines as they come. */
    private static final class Observer implements AutoCloseable {
        private final Process process;
        private final Writer commands;
        private final List<JsonNode> lines = new CopyOnWriteArrayList<>();
        private volatile JsonNode state;
        private final Thread reader;

        Observer(String url, String chromium) throws Exception {
            ProcessBuilder pb = new ProcessBuilder("node", "treemap.mjs", url, "--max-seconds", "120")
                    .directory(HARNESS.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("CHROMIUM", chromium);
            process = pb.start();
            commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (line.startsWith("{")) {
                            JsonNode json = JSON.readTree(line);
                            lines.add(json);
                            if ("state".equals(json.path("type").asText())) {
                                state = json;
                            }
                        }
                    }
                } catch (Exception e) {
                    // the process ended: close() reports how
                }
            }, "treemap-observer");
            reader.setDaemon(true);
            reader.start();
        }

        JsonNode state() {
            return state;
        }

        String errors() {
            return lines.stream().filter(l -> "error".equals(l.path("type").asText())).map(JsonNode::toString)
                    .toList().toString();
        }

        void send(String command) throws Exception {
            commands.write(command + "\n");
            commands.flush();
        }

        @Override
        public void close() throws Exception {
            try {
                send("quit");
            } catch (Exception e) {
                // already gone
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5000);
        }
    }

    private static JsonNode drawn(JsonNode state, String id) {
        if (state == null) {
            return null;
        }
        for (JsonNode n : state.path("nodes")) {
            if (n.path("id").asText().equals(id)) {
                return n;
            }
        }
        return null;
    }

    private static boolean hasEdge(JsonNode state, String from, String to) {
        for (JsonNode e : state.path("edges")) {
            if (e.path("from").asText().equals(from) && e.path("to").asText().equals(to)
                    && !e.path("ghost").asBoolean()) {
                return true;
            }
        }
        return false;
    }

    /** Drawn healthy, under {@code parent}, with the edge from it. */
    private static boolean drawnUnder(JsonNode state, String id, String parent) {
        JsonNode n = drawn(state, id);
        return n != null && parent != null && "ok".equals(n.path("health").asText())
                && parent.equals(n.path("parent").asText()) && hasEdge(state, parent, id);
    }

    @Test
    void theTreeMapDrawsEveryRelayAndShowsARepairLive() throws Exception {
        String chromium = chromium();
        require(chromium != null, "Debian's chromium is not installed (apt-get install chromium)");
        require(commandWorks("node", "--version"), "node is not installed");
        require(Files.isDirectory(HARNESS.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run 'PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci' in " + HARNESS);

        LocalCluster.Options options = new LocalCluster.Options(List.of(2, 4), "demo", 1_000_000L, "127.0.0.1", null,
                0, 0, 5000);
        try (LocalCluster cluster = LocalCluster.start(options, 7);
             Observer page = new Observer(cluster.httpBase() + "/tree", chromium)) {
            List<LocalCluster.Member> members = cluster.members();
            assertThat(members).hasSize(6);

            // 1. Every relay drawn, healthy, with an edge from its real parent (the relay's own word).
            Await.until("every relay drawn under its parent", Duration.ofSeconds(30), () -> {
                JsonNode s = page.state();
                return s != null && drawn(s, "ingest") != null && members.stream()
                        .allMatch(m -> drawnUnder(s, m.nodeId(), m.relay().parentId()));
            }, () -> page.errors() + " " + page.state());
            JsonNode before = page.state();
            // Layered: the root on row 0, every relay one row below its parent.
            assertThat(drawn(before, "ingest").path("level").asInt()).isZero();
            for (LocalCluster.Member m : members) {
                JsonNode n = drawn(before, m.nodeId());
                assertThat(n.path("level").asInt()).as(m.nodeId())
                        .isEqualTo(drawn(before, n.path("parent").asText()).path("level").asInt() + 1);
            }
            assertThat(before.path("transport").asText()).as("fed by Server-Sent Events").isEqualTo("live");

            // 2. Crash a level-1 relay with children: the page shows the repair without a reload.
            LocalCluster.Member victim = members.stream().filter(m -> m.level() == 1)
                    .filter(m -> members.stream().anyMatch(c -> m.nodeId().equals(c.relay().parentId())))
                    .findFirst().orElseThrow();
            List<LocalCluster.Member> orphans = members.stream()
                    .filter(c -> victim.nodeId().equals(c.relay().parentId())).toList();
            long killed = System.nanoTime();
            cluster.kill(victim);
            Await.until("the repair on the page", REPAIR_SHOWN_WITHIN, () -> {
                JsonNode s = page.state();
                JsonNode dead = drawn(s, victim.nodeId());
                boolean victimShownDead = dead == null || "dead".equals(dead.path("health").asText());
                boolean childrenMoved = orphans.stream().allMatch(c -> {
                    String parent = c.relay().parentId();
                    return !victim.nodeId().equals(parent) && drawnUnder(s, c.nodeId(), parent);
                });
                return victimShownDead && childrenMoved && repairLogged(s, orphans, victim.nodeId());
            }, () -> page.errors() + " " + page.state());
            long shownMs = (System.nanoTime() - killed) / 1_000_000;
            JsonNode after = page.state();
            System.out.printf("tree map: %s crashed; the page showed %s under %s and logged %s, %d ms after"
                    + " the crash%n", victim.nodeId(), orphans.stream().map(LocalCluster.Member::nodeId).toList(),
                    orphans.stream().map(c -> c.relay().parentId()).toList(), after.path("log").findValuesAsText(
                            "text"), shownMs);
            for (LocalCluster.Member m : cluster.members()) {
                assertThat(drawnUnder(after, m.nodeId(), m.relay().parentId())).as(m.nodeId() + " in " + after)
                        .isTrue();
            }

            // 3. A screenshot of the repaired tree.
            Path shot = Path.of("target", "treemap-test.png").toAbsolutePath();
            Files.deleteIfExists(shot);
            page.send("screenshot " + shot);
            Await.until("the screenshot", Duration.ofSeconds(20), () -> Files.exists(shot) && page.lines.stream()
                    .anyMatch(l -> "screenshot".equals(l.path("type").asText())), page::errors);
            assertThat(Files.size(shot)).isGreaterThan(10_000);
            assertThat(page.errors()).isEqualTo("[]");
        }
    }

    /** A repair line in the page's log for each orphan, naming the dead parent. */
    private static boolean repairLogged(JsonNode state, List<LocalCluster.Member> orphans, String dead) {
        List<String> repaired = new ArrayList<>();
        for (JsonNode line : state.path("log")) {
            if ("repair".equals(line.path("kind").asText()) && line.path("text").asText().contains("from " + dead)) {
                repaired.add(line.path("node").asText());
            }
        }
        return orphans.stream().map(LocalCluster.Member::nodeId).allMatch(repaired::contains);
    }
}
