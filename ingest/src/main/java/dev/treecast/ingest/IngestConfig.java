package dev.treecast.ingest;

import java.net.InetSocketAddress;

import dev.treecast.media.BoxReader;
import dev.treecast.relay.RelayConfig;

/**
 * @param root           the root relay (its QUIC address is where relays join and the first level attaches)
 * @param http           TCP address of the HTTP side: uploads ({@code PUT /ingest/<broadcast>}) and the API
 * @param maxBoxSize     largest CMAF box accepted from an encoder
 * @param rootSlots      child relays the root itself feeds
 * @param viewerCapacity browser viewers the director sends to one relay at most
 * @param advertiseHost  host relays use to reach the root (null: the QUIC bind address, or 127.0.0.1 when that
 *                       is the wildcard)
 */
public record IngestConfig(RelayConfig root, InetSocketAddress http, int maxBoxSize, int rootSlots,
                           int viewerCapacity, String advertiseHost) {
    public IngestConfig {
        if (!root.isRoot()) {
            throw new IllegalArgumentException("the ingest is the root of the tree: it has no parent");
        }
        if (rootSlots < 1 || viewerCapacity < 0) {
            throw new IllegalArgumentException("rootSlots must be >= 1 and viewerCapacity >= 0: " + rootSlots + ", "
                    + viewerCapacity);
        }
    }

    public IngestConfig(RelayConfig root, InetSocketAddress http, int maxBoxSize) {
        this(root, http, maxBoxSize, DEFAULT_ROOT_SLOTS, DEFAULT_VIEWER_CAPACITY, null);
    }

    public static final int DEFAULT_ROOT_SLOTS = 4;
    public static final int DEFAULT_VIEWER_CAPACITY = 1000;

    /** An ingest on free loopback ports: for tests and the in-process demo. */
    public static IngestConfig loopback() {
        return new IngestConfig(RelayConfig.builder().nodeId("ingest").build(), new InetSocketAddress("127.0.0.1", 0),
                BoxReader.DEFAULT_MAX_BOX_SIZE);
    }

    public IngestConfig withRootSlots(int slots) {
        return new IngestConfig(root, http, maxBoxSize, slots, viewerCapacity, advertiseHost);
    }
}
