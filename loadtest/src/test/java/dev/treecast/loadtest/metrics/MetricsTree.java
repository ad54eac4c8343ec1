package dev.treecast.loadtest.metrics;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.treecast.loadtest.engine.LocalCluster;
import dev.treecast.loadtest.viewer.NativeViewer;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

/**
 * An in-process tree to scrape: an ingest publishing a synthetic 1 Mbit/s stream, one relay under it and two
 * leaves (with gateways) under that, and a treecast/1 viewer on each leaf. Every relay has its own HTTP port.
 */
final class MetricsTree implements AutoCloseable {
    static final String BROADCAST = "metrics";
    static final long BITS_PER_SECOND = 1_000_000;

    final LocalCluster cluster;
    private final EventLoopGroup viewerGroup;
    private final QuicClientEndpoint endpoint;
    private final List<NativeViewer> viewers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    MetricsTree() throws Exception {
        cluster = LocalCluster.start(new LocalCluster.Options(List.of(1, 2), BROADCAST, BITS_PER_SECOND,
                "127.0.0.1", null, 0, 0, 100), 7);
        EventLoopGroup group = null;
        QuicClientEndpoint bound = null;
        try {
            group = Transports.newGroup(1, "metrics-viewers");
            bound = QuicClientEndpoint.bind(group.next(), new InetSocketAddress("127.0.0.1", 0),
                    QuicSettings.DEFAULT, Alpn.TREECAST_1);
            for (InetSocketAddress leaf : cluster.leafAddresses()) {
                NativeViewer viewer = new NativeViewer("viewer-" + viewers.size(), BROADCAST, List.of("video"),
                        () -> System.currentTimeMillis() * 1000);
                viewer.connect(bound, leaf).get(10, TimeUnit.SECONDS);
                viewers.add(viewer);
            }
        } catch (Exception | Error e) {
            viewers.forEach(NativeViewer::close);
            if (bound != null) {
                bound.close();
            }
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            cluster.close();
            throw e;
        }
        viewerGroup = group;
        endpoint = bound;
    }

    List<NativeViewer> viewers() {
        return viewers;
    }

    InetSocketAddress ingestHttp() {
        return cluster.ingest().httpAddress();
    }

    /** The HTTP address of every relay's {@code /metrics}, by level. */
    List<InetSocketAddress> relayHttp() {
        return cluster.members().stream().sorted((a, b) -> Integer.compare(a.level(), b.level()))
                .map(cluster::metricsAddress).toList();
    }

    /** {@code GET http://address/metrics}: the body, or a failure for anything but 200. */
    String scrape(InetSocketAddress address) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + address.getPort() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics on " + address + ": " + response.statusCode());
        }
        return response.body();
    }

    /** What a player sends once playing: {@code POST /api/ttff} to the port that served its page. */
    int reportTtff(InetSocketAddress address, double millis) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + "/api/ttff"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ttffMs\":" + millis + "}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Override
    public void close() {
        viewers.forEach(NativeViewer::close);
        if (endpoint != null) {
            endpoint.close();
        }
        if (viewerGroup != null) {
            viewerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        cluster.close();
    }
}
