package dev.treecast.relay;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.treecast.transport.http.HttpResponses;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * {@code GET /metrics}: a process's meters in the Prometheus text exposition format (version 0.0.4), which every
 * Prometheus since 2.0 scrapes. Served by the ingest's HTTP port and by each relay's (its gateway's) HTTP port, from
 * that relay's own registry: in a process that runs many relays (the demo, the load tester) each port shows its
 * relay, and the {@code node} tag tells them apart where one registry is shared (the ingest and its root relay).
 */
public final class MetricsEndpoint {
    public static final String PATH = "/metrics";
    /** What Prometheus expects for the text format; a Prometheus 3 refuses a scrape without a valid one. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private MetricsEndpoint() {
    }

    /** A fresh registry that can be scraped (what a {@link Relay} and an ingest make when not given one). */
    public static MeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /** The Prometheus registry in {@code registry}: itself, or one a composite registry publishes to. */
    public static Optional<PrometheusMeterRegistry> prometheus(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry p) {
            return Optional.of(p);
        }
        if (registry instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry child : composite.getRegistries()) {
                Optional<PrometheusMeterRegistry> found = prometheus(child);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** The text a scrape of {@code registry} returns. */
    public static String scrape(MeterRegistry registry) {
        return prometheus(registry).map(p -> p.scrape(CONTENT_TYPE)).orElseThrow(() -> new IllegalStateException(
                "this process's meters are in a " + registry.getClass().getSimpleName()
                        + ", not a Prometheus registry"));
    }

    /**
     * The route handler for {@link #PATH}: 200 with the text, or 404 when whoever embedded this process gave it a
     * registry that Prometheus cannot read.
     */
    public static FullHttpResponse response(MeterRegistry registry, QueryStringDecoder query) {
        Optional<PrometheusMeterRegistry> prometheus = prometheus(registry);
        if (prometheus.isEmpty()) {
            return HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no Prometheus registry in this process ("
                    + registry.getClass().getSimpleName() + ")\n");
        }
        return HttpResponses.bytes(HttpResponseStatus.OK, CONTENT_TYPE,
                prometheus.get().scrape(CONTENT_TYPE).getBytes(StandardCharsets.UTF_8));
    }
}
