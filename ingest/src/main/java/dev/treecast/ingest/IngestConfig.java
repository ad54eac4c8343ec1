package dev.treecast.ingest;

import java.net.InetSocketAddress;
import java.security.KeyPair;

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
 * @param signingKey     the Ed25519 key every object is signed with (null: one is made for this run; see
 *                       {@link SigningKeys} to keep one in a file)
 * @param operatorKey    the operator's Ed25519 key pair (null: none). With it the root relay checks every session
 *                       against the operator's public key (relays need a relay token to join or attach, viewers a
 *                       viewer token unless the root's {@link RelayConfig.Access} says viewers are open), and the
 *                       director hands each viewer a fresh viewer token: demo mode, since anyone who asks the
 *                       director gets one. To check tokens without minting them, give the root relay the public key
 *                       alone ({@link RelayConfig.Access#enforcing}).
 */
public record IngestConfig(RelayConfig root, InetSocketAddress http, int maxBoxSize, int rootSlots,
                           int viewerCapacity, String advertiseHost, KeyPair signingKey, KeyPair operatorKey) {
    public IngestConfig {
        if (!root.isRoot()) {
            throw new IllegalArgumentException("the ingest is the root of the tree: it has no parent");
        }
        if (rootSlots < 1 || viewerCapacity < 0) {
            throw new IllegalArgumentException("rootSlots must be >= 1 and viewerCapacity >= 0: " + rootSlots + ", "
                    + viewerCapacity);
        }
        if (signingKey != null) {
            dev.treecast.protocol.data.ObjectSignature.rawPublicKey(signingKey.getPublic()); // Ed25519 or refused
        }
        if (operatorKey != null) {
            byte[] raw = dev.treecast.protocol.data.ObjectSignature.rawPublicKey(operatorKey.getPublic());
            byte[] configured = root.access().operatorKey();
            if (configured != null && !java.util.Arrays.equals(configured, raw)) {
                throw new IllegalArgumentException("the root relay checks tokens against another operator key than"
                        + " the one the director signs with");
            }
        }
    }

    /** With a signing key, without an operator key. */
    public IngestConfig(RelayConfig root, InetSocketAddress http, int maxBoxSize, int rootSlots, int viewerCapacity,
                        String advertiseHost, KeyPair signingKey) {
        this(root, http, maxBoxSize, rootSlots, viewerCapacity, advertiseHost, signingKey, null);
    }

    /** With a signing key made for this run. */
    public IngestConfig(RelayConfig root, InetSocketAddress http, int maxBoxSize, int rootSlots, int viewerCapacity,
                        String advertiseHost) {
        this(root, http, maxBoxSize, rootSlots, viewerCapacity, advertiseHost, null);
    }

    public IngestConfig(RelayConfig root, InetSocketAddress http, int maxBoxSize) {
        this(root, http, maxBoxSize, DEFAULT_ROOT_SLOTS, DEFAULT_VIEWER_CAPACITY, null, null, null);
    }

    public static final int DEFAULT_ROOT_SLOTS = 4;
    public static final int DEFAULT_VIEWER_CAPACITY = 1000;

    /** An ingest on free loopback ports: for tests and the in-process demo. */
    public static IngestConfig loopback() {
        return new IngestConfig(RelayConfig.builder().nodeId("ingest").build(), new InetSocketAddress("127.0.0.1", 0),
                BoxReader.DEFAULT_MAX_BOX_SIZE);
    }

    public IngestConfig withRootSlots(int slots) {
        return new IngestConfig(root, http, maxBoxSize, slots, viewerCapacity, advertiseHost, signingKey,
                operatorKey);
    }

    public IngestConfig withSigningKey(KeyPair key) {
        return new IngestConfig(root, http, maxBoxSize, rootSlots, viewerCapacity, advertiseHost, key, operatorKey);
    }

    /** With the operator's key pair: tokens checked at the root, and handed out by the director (demo mode). */
    public IngestConfig withOperatorKey(KeyPair key) {
        return new IngestConfig(root, http, maxBoxSize, rootSlots, viewerCapacity, advertiseHost, signingKey, key);
    }

    /** The root relay's configuration as it runs: with the operator key's public half when there is one. */
    public RelayConfig rootConfig() {
        if (operatorKey == null || root.access().isEnforcing()) {
            return root;
        }
        return root.withAccess(root.access().withOperatorKey(
                dev.treecast.protocol.data.ObjectSignature.rawPublicKey(operatorKey.getPublic())));
    }
}
