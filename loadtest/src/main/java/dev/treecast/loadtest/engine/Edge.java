package dev.treecast.loadtest.engine;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * Where a viewer connects: a relay's {@code treecast/1} QUIC address, or a gateway's WebTransport URL.
 *
 * @param node the relay's id as the director names it, or {@code host:port} for a bare address
 */
public record Edge(String node, InetSocketAddress quic, URI webTransport) {
    public static Edge quic(InetSocketAddress address) {
        return new Edge(address.getHostString() + ":" + address.getPort(), address, null);
    }

    public static Edge webTransport(String node, URI url) {
        return new Edge(node, null, url);
    }
}
