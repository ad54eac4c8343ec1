package dev.treecast.loadtest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Prometheus (Debian's {@code prometheus}) scrapes an in-process tree every second: the ingest and each
 * relay's {@code /metrics}. Its query API then has to give back figures that match what the tree does: the egress
 * of the relays for a 1 Mbit/s stream, the viewers, the tree's size and depth, latency histograms by depth.
 *
 * <p>Skipped without {@code /usr/bin/prometheus} (or {@code $PROMETHEUS}), unless {@code TREECAST_REQUIRE_PROMETHEUS=1}
 * (CI) or {@code -Dtreecast.requirePrometheus=true} makes that a failure.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrometheusScrapeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static MetricsTree tree;
    private static Process prometheus;
    private static Path dir;
    private static int port;

    private static String prometheusBinary() {
        String env = System.getenv("PROMETHEUS");
        for (String candidate : new String[] {env, "/usr/bin/prometheus"}) {
            if (candidate != null && Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    @BeforeAll
    static void start() throws Exception {
        String binary = prometheusBinary();
        String missing = "prometheus is not installed (apt-get install prometheus, or set PROMETHEUS)";
        if (Boolean.getBoolean("treecast.requirePrometheus")
                || "1".equals(System.getenv("TREECAST_REQUIRE_PROMETHEUS"))) {
            assertThat(binary).as(missing).isNotNull();
        } else {
            Assumptions.assumeTrue(binary != null, missing);
        }
        try {
            tree = new MetricsTree();
            dir = Files.createTempDirectory("treecast-prometheus");
            port = freePort();
            Files.writeString(dir.resolve("prometheus.yml"), config());
            prometheus = new ProcessBuilder(binary, "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--storage.tsdb.retention.time=1h", "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            awaitTargetsUp();
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    /** Scrapes the ingest and every relay of the tree each second. */
    private static String config() {
        StringBuilder relays = new StringBuilder();
        for (InetSocketAddress a : tree.relayHttp()) {
            relays.append(relays.isEmpty() ? "" : ", ").append("'127.0.0.1:").append(a.getPort()).append('\'');
        }
        return """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: treecast-ingest
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                  - job_name: treecast-relays
                    static_configs:
                      - targets: [%s]
                """.formatted(tree.ingestHttp().getPort(), relays);
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            prometheus = null;
            if (tree != null) {
                tree.close();
                tree = null;
            }
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                dir = null;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static JsonNode api(String pathAndQuery) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + pathAndQuery)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("Prometheus answered " + response.statusCode() + ": " + response.body());
        }
        return body.path("data");
    }

    /** Waits until Prometheus runs and has scraped every target successfully. */
    private static void awaitTargetsUp() throws Exception {
        int expected = 1 + tree.relayHttp().size();
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "not started";
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                throw new AssertionError("prometheus exited " + prometheus.exitValue() + ": "
                        + Files.readString(dir.resolve("prometheus.log")));
            }
            try {
                JsonNode active = api("/api/v1/targets?state=active").path("activeTargets");
                List<String> health = new ArrayList<>();
                active.forEach(t -> health.add(t.path("scrapeUrl").asText() + "=" + t.path("health").asText()
                        + (t.path("lastError").asText().isEmpty() ? "" : " (" + t.path("lastError").asText() + ")")));
                last = health.toString();
                if (active.size() == expected && health.stream().allMatch(h -> h.contains("=up"))) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString(); // not listening yet
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        throw new AssertionError("targets not all up after " + WAIT + ": " + last);
    }

    /** One series of an instant query: its labels and value. */
    record Series(Map<String, String> labels, double value) {
    }

    private static List<Series> query(String promql) throws Exception {
        JsonNode data = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        List<Series> out = new ArrayList<>();
        for (JsonNode r : data.path("result")) {
            Map<String, String> labels = new java.util.TreeMap<>();
            r.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            out.add(new Series(labels, Double.parseDouble(r.path("value").get(1).asText())));
        }
        return out;
    }

    /** Polls {@code promql} until its result satisfies {@code ok} (rates need a few scrapes), then returns it. */
    private static List<Series> await(String promql, Predicate<List<Series>> ok) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Series> last = List.of();
        while (System.nanoTime() < deadline) {
            last = query(promql);
            if (ok.test(last)) {
                return last;
            }
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
        throw new AssertionError("after " + WAIT + ", " + promql + " = " + last);
    }

    private static double single(List<Series> result) {
        assertThat(result).hasSize(1);
        return result.get(0).value();
    }

    private static boolean one(List<Series> r, double low, double high) {
        return r.size() == 1 && r.get(0).value() >= low && r.get(0).value() <= high;
    }

    @Test
    void theRelaysEgressIsWhatTheTreeForwards() throws Exception {
        // 1 Mbit/s (plus framing and signatures) reaches relay-1.1, which sends it to two leaves, each to a viewer:
        // four copies in all.
        double mbps = single(await("sum(rate(treecast_relay_bytes_forwarded_bytes_total{node!=\"ingest\"}[5s]))"
                + " * 8 / 1e6", r -> one(r, 3.6, 6)));
        assertThat(mbps).isBetween(3.6, 6.0);
        List<Series> byNode = query("rate(treecast_relay_bytes_forwarded_bytes_total[5s]) * 8 / 1e6");
        assertThat(byNode).extracting(s -> s.labels().get("node")).containsExactlyInAnyOrder("ingest", "relay-1.1",
                "relay-2.1", "relay-2.2");
        // The ingest publishes what it was asked to: its payload bitrate.
        assertThat(single(await("rate(treecast_ingest_bytes_total[5s]) * 8 / 1e6", r -> one(r, 0.8, 1.2))))
                .isBetween(0.8, 1.2);
    }

    @Test
    void viewersTreeSizeAndDepthAreTheTreesOwn() throws Exception {
        assertThat(single(await("sum(treecast_relay_viewers)", r -> one(r, 2, 2)))).isEqualTo(2);
        // relay-1.1 under the ingest, the two leaves under relay-1.1.
        assertThat(await("treecast_relay_children", r -> r.size() == 4 && r.stream().mapToDouble(Series::value)
                .sum() == 3)).extracting(s -> s.labels().get("node") + "=" + (int) s.value())
                .containsExactlyInAnyOrder("ingest=1", "relay-1.1=2", "relay-2.1=0", "relay-2.2=0");
        assertThat(single(await("treecast_ingest_tree_relays", r -> one(r, 3, 3))))
                .isEqualTo(tree.cluster.members().size());
        assertThat(single(await("treecast_ingest_tree_depth", r -> one(r, 2, 2)))).isEqualTo(2);
        assertThat(await("treecast_ingest_tree_node", r -> r.size() == 3)).extracting(s -> s.labels().get("node")
                + "@" + s.labels().get("depth")).containsExactlyInAnyOrder("relay-1.1@1", "relay-2.1@2", "relay-2.2@2");
    }

    @Test
    void latencyHistogramsGiveQuantilesByDepth() throws Exception {
        List<Series> buckets = query("treecast_relay_latency_from_ingest_seconds_bucket{node=\"relay-2.1\"}");
        assertThat(buckets.size()).as("buckets").isGreaterThan(10);
        assertThat(buckets).anyMatch(s -> s.labels().get("le").equals("+Inf") && s.value() > 0);
        // Joined with the ingest's map of the tree: the median latency from the ingest at each depth.
        String byDepth = "histogram_quantile(0.5, sum by (le, depth) (rate(treecast_relay_latency_from_ingest_seconds_bucket[5s])"
                + " * on (node) group_left (depth) treecast_ingest_tree_node))";
        List<Series> medians = await(byDepth, r -> r.size() == 2 && r.stream().allMatch(s -> s.value() > 0));
        for (Series s : medians) {
            // Inside the histogram's range (how low depends on how busy the machine is: not this test's business).
            assertThat(s.value()).as("median at depth " + s.labels().get("depth")).isBetween(1e-6, 10.0);
        }
        assertThat(medians).extracting(s -> s.labels().get("depth")).containsExactlyInAnyOrder("1", "2");
        // What Prometheus holds is what the relay timed: its count lies between the relay's before and after.
        io.micrometer.core.instrument.Timer timer = tree.cluster.members().stream()
                .filter(m -> m.nodeId().equals("relay-2.1")).findFirst().orElseThrow().relay().registry()
                .get("treecast.relay.latency.from.ingest").timer();
        long before = timer.count();
        double scraped = single(await("treecast_relay_latency_from_ingest_seconds_count{node=\"relay-2.1\"}",
                r -> r.size() == 1 && r.get(0).value() >= before));
        assertThat(scraped).isBetween((double) before, (double) timer.count());
    }

    @Test
    void theDashboardsExpressionsAreValidPromQlAndItsMainPanelsShowData() throws Exception {
        JsonNode dashboard = JSON.readTree(Files.readString(DashboardTest.DASHBOARD));
        for (String expr : DashboardTest.expressions(dashboard)) {
            if (expr.startsWith("label_values(")) {
                continue; // a Grafana function, not PromQL
            }
            // As Grafana sends them: its variables replaced. A syntax error fails the query (HTTP 400).
            query(expr.replace("$__rate_interval", "5s").replace("$node", ".*"));
        }
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            if (title.equals("Fleet egress") || title.equals("Viewers") || title.startsWith("Latency from the ingest")) {
                String expr = panel.path("targets").get(0).path("expr").asText()
                        .replace("$__rate_interval", "5s").replace("$node", ".*");
                assertThat(await(expr, r -> r.stream().anyMatch(s -> s.value() > 0)))
                        .as(title).isNotEmpty();
            }
        }
    }

    @Test
    void aPlayersTimeToFirstFrameReachesPrometheus() throws Exception {
        InetSocketAddress leaf = tree.relayHttp().get(2);
        assertThat(tree.reportTtff(leaf, 640)).isEqualTo(204);
        assertThat(tree.reportTtff(leaf, -1)).isEqualTo(400);
        assertThat(single(await("sum(treecast_player_ttff_seconds_count)", r -> one(r, 1, 1)))).isEqualTo(1);
        assertThat(single(await("sum(treecast_player_ttff_seconds_sum)", r -> one(r, 0.64, 0.64))))
                .isEqualTo(0.64);
        assertThat(single(await("sum(treecast_player_reports_rejected_total)", r -> one(r, 1, 1)))).isEqualTo(1);
    }
}
