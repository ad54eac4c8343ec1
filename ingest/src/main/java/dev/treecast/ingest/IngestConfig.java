package dev.treecast.ingest;

import java.net.InetSocketAddress;

import dev.treecast.media.BoxReader;
import dev.treecast.relay.RelayConfig;

/**
 * @param root       the root relay (its QUIC address is where the first level of relays connects)
 * @param http       TCP address of the HTTP side: uploads ({@code PUT /ingest/<broadcast>}) and the API
 * @param maxBoxSize largest CMAF box accepted from an encoder
 */
public record IngestConfig(RelayConfig root, InetSocketAddress http, int maxBoxSize) {
    public IngestConfig {
        if (!root.isRoot()) {
            throw new IllegalArgumentException("the ingest is the root of the tree: it has no parent");
        }
    }

    /** An ingest on free loopback ports: for tests and the in-process demo. */
    public static IngestConfig loopback() {
        return new IngestConfig(RelayConfig.builder().nodeId("ingest").build(), new InetSocketAddress("127.0.0.1", 0),
                BoxReader.DEFAULT_MAX_BOX_SIZE);
    }
}
