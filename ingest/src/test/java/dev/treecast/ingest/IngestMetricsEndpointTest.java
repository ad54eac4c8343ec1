package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.testing.Await;
import dev.treecast.testing.PrometheusText;

/** {@code GET /metrics} and the players' {@code POST /api/ttff} on the ingest's HTTP port, beside uploads. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IngestMetricsEndpointTest {
    private Ingest ingest;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        ingest = new Ingest(IngestConfig.loopback()).start();
    }

    @AfterEach
    void stop() {
        if (ingest != null) {
            ingest.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + ingest.httpAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).header("Content-Type",
                "application/json").method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> response = send("GET", "/metrics", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(response.body());
    }

    @Test
    void theIngestsMetricsCoverWhatItPublishesItsTreeAndItsRootRelay() throws Exception {
        ingest.synthetic("live", 800_000);
        Await.until("bytes published", Duration.ofSeconds(10), () -> ingest.metrics().bytes() > 100_000);
        PrometheusText text = scrape();
        assertThat(text.names()).contains("treecast_ingest_bytes_total", "treecast_ingest_objects_total",
                "treecast_ingest_groups_total", "treecast_ingest_encoder_disconnects_total",
                "treecast_ingest_encoder_sessions_total", "treecast_ingest_tree_relays", "treecast_ingest_tree_depth",
                "treecast_ingest_tree_viewers", "treecast_relay_bytes_received_bytes_total",
                "treecast_player_ttff_seconds_count");
        assertThat(text.value("treecast_ingest_bytes_total", Map.of())).isGreaterThanOrEqualTo(100_000);
        assertThat(text.value("treecast_ingest_groups_total", Map.of())).isPositive();
        assertThat(text.value("treecast_ingest_tree_relays", Map.of())).as("no relay joined").isZero();
        assertThat(text.value("treecast_ingest_tree_depth", Map.of())).isZero();
        // The root relay's meters carry the ingest's node id; the objects it received are the ones published.
        assertThat(text.value("treecast_relay_objects_received_total", Map.of("node", "ingest")))
                .isPositive().isLessThanOrEqualTo(ingest.metrics().objects());
    }

    @Test
    void playersReportTheirTimeToFirstFrameToTheIngestThatServedThePage() throws Exception {
        assertThat(send("POST", "/api/ttff", "{\"ttffMs\":1500}").statusCode()).isEqualTo(204);
        assertThat(send("POST", "/api/ttff", "{\"ttffMs\":\"soon\"}").statusCode()).isEqualTo(400);
        // Larger than any route takes: refused before it is buffered whole, and the connection closed.
        assertThat(send("POST", "/api/ttff", "{\"ttffMs\":1" + "0".repeat(20_000) + "}").statusCode())
                .isEqualTo(413);
        assertThat(send("GET", "/healthz", null).body()).isEqualTo("ok\n");
        PrometheusText text = scrape();
        assertThat(text.value("treecast_player_ttff_seconds_count", Map.of("node", "ingest"))).isEqualTo(1);
        assertThat(text.value("treecast_player_ttff_seconds_sum", Map.of("node", "ingest"))).isEqualTo(1.5);
        assertThat(text.value("treecast_player_reports_rejected_total", Map.of("node", "ingest",
                "reason", "malformed"))).isEqualTo(1);
    }
}
