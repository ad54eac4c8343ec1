package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.PrometheusText;

/**
 * {@code GET /metrics} on a relay's HTTP port, two relays in one JVM (as in the demo), and the players'
 * {@code POST /api/ttff}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsEndpointTest {
    private static Relay relayA;
    private static Relay relayB;
    private static Gateway gatewayA;
    private static Gateway gatewayB;
    private static Relay bare;
    private static MetricsServer bareMetrics;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        relayA = new Relay(RelayConfig.builder().nodeId("edge-a").build()).start();
        relayB = new Relay(RelayConfig.builder().nodeId("edge-b").build()).start();
        gatewayA = new Gateway(relayA, GatewayConfig.builder().build()).start();
        gatewayB = new Gateway(relayB, GatewayConfig.builder().build()).start();
        bare = new Relay(RelayConfig.builder().nodeId("mid-1").build()).start();
        bareMetrics = MetricsServer.start(bare, new InetSocketAddress("127.0.0.1", 0));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gatewayA, gatewayB, bareMetrics, relayA, relayB, bare}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static HttpResponse<String> get(InetSocketAddress address, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + address.getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + gatewayB.httpAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static PrometheusText scrape(InetSocketAddress address) throws Exception {
        HttpResponse<String> response = get(address, "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    @Test
    void metricsAreThePrometheusTextFormatWithItsContentType() throws Exception {
        HttpResponse<String> response = get(gatewayA.httpAddress(), "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body()).contains("# TYPE treecast_relay_bytes_forwarded_bytes_total counter\n",
                "# TYPE treecast_relay_latency_from_ingest_seconds histogram\n",
                "# TYPE treecast_gateway_sessions gauge\n");
        PrometheusText text = PrometheusText.parse(response.body());
        assertThat(text.names()).contains("treecast_relay_bytes_forwarded_bytes_total",
                "treecast_relay_bytes_received_bytes_total", "treecast_relay_objects_forwarded_total",
                "treecast_relay_subscribers", "treecast_relay_children", "treecast_relay_viewers",
                "treecast_relay_cache_bytes", "treecast_relay_cache_gets_total", "treecast_relay_groups_reset_total",
                "treecast_relay_latency_from_ingest_seconds_bucket", "treecast_relay_repairs_seconds_bucket",
                "treecast_relay_reparents_total", "treecast_relay_protocol_errors_total",
                "treecast_gateway_sessions", "treecast_gateway_protocol_errors_total",
                "treecast_player_ttff_seconds_bucket", "treecast_player_reports_rejected_total");
        assertThat(text.names()).allMatch(n -> n.startsWith("treecast_"), "only treecast meters");
        // The fixed reasons and every code are there from the start, at 0.
        for (String reason : new String[] {"parent-dead", "parent-lost", "move", "goaway"}) {
            assertThat(text.value("treecast_relay_reparents_total", Map.of("node", "edge-a", "reason", reason)))
                    .isZero();
        }
        assertThat(text.value("treecast_relay_protocol_errors_total",
                Map.of("node", "edge-a", "code", ErrorCode.PROTOCOL_VIOLATION.name()))).isZero();
        assertThat(text.value("treecast_relay_cache_gets_total", Map.of("node", "edge-a", "result", "hit"))).isZero();
    }

    @Test
    void eachRelaysPortShowsThatRelayAlone() throws Exception {
        for (Gateway g : new Gateway[] {gatewayA, gatewayB}) {
            String node = g == gatewayA ? "edge-a" : "edge-b";
            PrometheusText text = scrape(g.httpAddress());
            assertThat(text.samples()).allSatisfy(s -> assertThat(s.labels()).containsEntry("node", node));
            assertThat(text.find("treecast_relay_sessions", Map.of())).hasSize(1);
        }
    }

    @Test
    void aRelayWithoutAGatewayServesOnlyItsMetrics() throws Exception {
        PrometheusText text = scrape(bareMetrics.localAddress());
        assertThat(text.samples()).allSatisfy(s -> assertThat(s.labels()).containsEntry("node", "mid-1"));
        assertThat(text.names()).contains("treecast_relay_children").doesNotContain("treecast_gateway_sessions");
        assertThat(get(bareMetrics.localAddress(), "/").statusCode()).isEqualTo(404);
        assertThat(get(bareMetrics.localAddress(), "/api/edge").statusCode()).isEqualTo(404);
    }

    @Test
    void aPlayersTimeToFirstFrameIsRecordedAndNonsenseIsRefusedAndCounted() throws Exception {
        PrometheusText before = scrape(gatewayB.httpAddress());
        Map<String, String> node = Map.of("node", "edge-b");
        double count = before.value("treecast_player_ttff_seconds_count", node);
        double sum = before.value("treecast_player_ttff_seconds_sum", node);

        HttpResponse<String> ok = post("/api/ttff", "{\"ttffMs\": 812.5}");
        assertThat(ok.statusCode()).isEqualTo(204);
        assertThat(ok.body()).isEmpty();
        for (String body : new String[] {"812", "{\"ttffMs\": \"812\"}", "{\"ttffMs\": 812, \"viewer\": 7}",
                "{\"ttffMs\": -5}", "{\"ttffMs\": 1e3}", "{}", ""}) {
            assertThat(post("/api/ttff", body).statusCode()).as(body).isEqualTo(400);
        }
        for (String body : new String[] {"{\"ttffMs\": 0}", "{\"ttffMs\": 120001}", "{\"ttffMs\": 999999999}"}) {
            assertThat(post("/api/ttff", body).statusCode()).as(body).isEqualTo(400);
        }
        assertThat(post("/api/ttff", "{\"ttffMs\": 812" + " ".repeat(200) + "}").statusCode()).isEqualTo(413);
        assertThat(get(gatewayB.httpAddress(), "/api/ttff").statusCode()).as("GET").isIn(404, 405);

        PrometheusText after = scrape(gatewayB.httpAddress());
        assertThat(after.value("treecast_player_ttff_seconds_count", node)).isEqualTo(count + 1);
        assertThat(after.value("treecast_player_ttff_seconds_sum", node)).isCloseTo(sum + 0.8125, within(1e-6));
        assertThat(after.value("treecast_player_ttff_seconds_bucket", Map.of("node", "edge-b", "le", "1.0")))
                .isEqualTo(count + 1);
        assertThat(after.value("treecast_player_reports_rejected_total", Map.of("node", "edge-b",
                "reason", "malformed"))).isEqualTo(7);
        assertThat(after.value("treecast_player_reports_rejected_total", Map.of("node", "edge-b",
                "reason", "out-of-range"))).isEqualTo(3);
        assertThat(after.value("treecast_player_reports_rejected_total", Map.of("node", "edge-b",
                "reason", "too-large"))).isEqualTo(1);
        assertThat(gatewayB.playerReports().recorded()).isEqualTo(1);
        assertThat(gatewayA.playerReports().recorded()).as("the other relay's").isZero();
    }
}
