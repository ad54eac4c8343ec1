package dev.treecast.gateway;

import java.net.InetSocketAddress;
import java.util.Set;

import dev.treecast.gateway.http.GatewayHttpServer;
import dev.treecast.relay.MetricsEndpoint;
import dev.treecast.relay.Relay;
import dev.treecast.transport.http.HttpRoutes;
import dev.treecast.transport.http.StaticFiles;

/**
 * The HTTP port of a relay that has no browser edge (no {@link Gateway}): only {@code GET /metrics}, so that every
 * relay of a fleet can be scraped. A relay with a gateway serves {@code /metrics} on the gateway's HTTP port.
 */
public final class MetricsServer implements AutoCloseable {
    private final GatewayHttpServer http;

    private MetricsServer(GatewayHttpServer http) {
        this.http = http;
    }

    /** Binds {@code address} and serves {@code relay}'s meters there. */
    public static MetricsServer start(Relay relay, InetSocketAddress address) throws InterruptedException {
        HttpRoutes routes = new HttpRoutes().get(MetricsEndpoint.PATH,
                q -> MetricsEndpoint.response(relay.registry(), q));
        // No static files: an empty classpath folder answers 404 for everything else.
        return new MetricsServer(GatewayHttpServer.bind(address, relay.nodeId() + "-metrics-http", routes,
                Set.of(MetricsEndpoint.PATH), new StaticFiles(MetricsServer.class.getClassLoader(),
                        "treecast-no-files")));
    }

    public InetSocketAddress localAddress() {
        return http.localAddress();
    }

    @Override
    public void close() {
        http.close();
    }
}
