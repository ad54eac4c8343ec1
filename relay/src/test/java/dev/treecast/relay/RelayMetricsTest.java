package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.testing.PrometheusText;
import io.micrometer.core.instrument.MeterRegistry;

/** The relay's meters as Prometheus sees them: names, units, tags, and the latency clock. */
class RelayMetricsTest {
    private final MeterRegistry registry = MetricsEndpoint.newRegistry();
    private final RelayMetrics metrics = new RelayMetrics(registry, "r1");
    private static final Map<String, String> NODE = Map.of("node", "r1");

    private PrometheusText scrape() {
        return PrometheusText.parse(MetricsEndpoint.scrape(registry));
    }

    private static Map<String, String> with(String key, String value) {
        return Map.of("node", "r1", key, value);
    }

    @Test
    void latencyIsTheIngestStampToArrivalOnTheCalibratedWallClock() {
        metrics.arrived(1, 0);
        assertThat(metrics.latencySamples()).as("not calibrated yet: not timed").isZero();
        long wallMicros = 1_700_000_000_000_000L;
        long nanoTime = 5_000_000_000L;
        metrics.calibrate(wallMicros, nanoTime);
        // Stamped 2 ms before it arrived 1 s after the calibration.
        metrics.arrived(wallMicros + 1_000_000 - 2_000, nanoTime + 1_000_000_000L);
        // Stamped in our future: the clocks disagree; counted, not timed.
        metrics.arrived(wallMicros + 5_000_000, nanoTime);
        PrometheusText text = scrape();
        assertThat(text.value("treecast_relay_latency_from_ingest_seconds_count", NODE)).isEqualTo(1);
        assertThat(text.value("treecast_relay_latency_from_ingest_seconds_sum", NODE)).isEqualTo(0.002);
        assertThat(text.value("treecast_relay_latency_from_ingest_seconds_bucket", with("le", "0.001"))).isZero();
        assertThat(text.value("treecast_relay_latency_from_ingest_seconds_bucket", with("le", "0.005"))).isEqualTo(1);
        assertThat(text.value("treecast_relay_latency_from_ingest_seconds_bucket", with("le", "+Inf"))).isEqualTo(1);
        assertThat(text.find("treecast_relay_latency_from_ingest_seconds_bucket", NODE)).hasSizeGreaterThan(20);
        assertThat(text.value("treecast_relay_latency_future_total", NODE)).isEqualTo(1);
    }

    @Test
    void cacheGaugesChildrenViewersReparentsAndErrorsAreTaggedByNodeAndWord() {
        metrics.cacheGet(true);
        metrics.cacheGet(true);
        metrics.cacheGet(false);
        metrics.gauges(3, 42, 1_234_567, 9);
        metrics.reparent("parent-lost");
        metrics.repair(80_000_000);
        metrics.groupReset("latency-budget");
        metrics.protocolError(ErrorCode.PROTOCOL_VIOLATION);
        metrics.forwarded(1000);
        PrometheusText text = scrape();
        assertThat(text.value("treecast_relay_cache_gets_total", with("result", "hit"))).isEqualTo(2);
        assertThat(text.value("treecast_relay_cache_gets_total", with("result", "miss"))).isEqualTo(1);
        assertThat(text.value("treecast_relay_children", NODE)).isEqualTo(3);
        assertThat(text.value("treecast_relay_viewers", NODE)).isEqualTo(42);
        assertThat(text.value("treecast_relay_cache_bytes", NODE)).isEqualTo(1_234_567);
        assertThat(text.value("treecast_relay_cache_groups", NODE)).isEqualTo(9);
        assertThat(text.value("treecast_relay_reparents_total", with("reason", "parent-lost"))).isEqualTo(1);
        assertThat(text.value("treecast_relay_reparents_total", with("reason", "parent-dead"))).isZero();
        assertThat(text.value("treecast_relay_repairs_seconds_count", NODE)).isEqualTo(1);
        assertThat(text.value("treecast_relay_repairs_seconds_bucket", with("le", "+Inf"))).isEqualTo(1);
        assertThat(text.value("treecast_relay_groups_reset_total", with("reason", "latency-budget"))).isEqualTo(1);
        assertThat(text.value("treecast_relay_protocol_errors_total", with("code", "PROTOCOL_VIOLATION")))
                .isEqualTo(1);
        assertThat(text.value("treecast_relay_bytes_forwarded_bytes_total", NODE)).isEqualTo(1000);
        assertThat(metrics.protocolErrors()).as("only codes seen").containsOnlyKeys(ErrorCode.PROTOCOL_VIOLATION);
    }

    @Test
    void aRegistryPrometheusCannotReadIsSaidSo() {
        var simple = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        assertThat(MetricsEndpoint.response(simple, null).status().code()).isEqualTo(404);
        var composite = new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
        composite.add(simple);
        composite.add(registry);
        assertThat(MetricsEndpoint.prometheus(composite)).get().isSameAs(registry);
    }
}
