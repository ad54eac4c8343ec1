package dev.treecast.relay;

import java.util.Arrays;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.protocol.data.ObjectSignature.Outcome;

/**
 * Whether, and against which key, this relay checks the signature of each object from upstream: the
 * {@link RelayConfig.Verify} policy, the key (configured, or learned from the controller's PLACEMENT; a configured
 * key wins) and whether the relay serves viewers. The check itself runs once per object on the relay's thread,
 * before the object is cached or forwarded (see {@link ParentLink}); a failure is dropped and counted there.
 *
 * <p>Owned by the relay's event loop thread, except {@link #keyBase64()}, which any thread may read.
 */
final class ObjectVerification {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectVerification.class);

    private final String nodeId;
    private final RelayConfig.Verify policy;
    private final byte[] configuredKey;
    private byte[] key;
    private boolean servesViewers;
    private boolean joinsTree;
    private boolean isRoot;
    private ObjectSignature.Verifier verifier;
    private boolean warnedMismatch;
    private volatile String keyBase64 = "";

    ObjectVerification(String nodeId, RelayConfig.Verify policy, byte[] configuredKey) {
        this.nodeId = nodeId;
        this.policy = policy;
        this.configuredKey = configuredKey;
        this.key = configuredKey;
        if (key != null) {
            keyBase64 = Base64.getEncoder().encodeToString(key);
        }
    }

    /** Says at start-up what will be checked; {@code joinsTree}: the controller will send the key. */
    void start(boolean isRoot, boolean joinsTree) {
        this.joinsTree = joinsTree;
        this.isRoot = isRoot;
        if (isRoot) {
            return; // the origin publishes what the ingest signed; it has no upstream to doubt
        }
        update();
        if (policy == RelayConfig.Verify.NEVER) {
            LOG.info("{}: not verifying object signatures (verification is off)", nodeId);
        } else if (key == null && !joinsTree && policy == RelayConfig.Verify.ALWAYS) {
            LOG.warn("{}: no broadcast key (--broadcast-key): this relay cannot verify object signatures, although"
                    + " it is told to", nodeId);
        } else if (key == null && !joinsTree) {
            LOG.info("{}: no broadcast key (--broadcast-key): this relay cannot verify object signatures", nodeId);
        } else if (key == null) {
            LOG.info("{}: will verify object signatures {}with the key the tree controller sends", nodeId,
                    policy == RelayConfig.Verify.EDGE ? "(when serving viewers) " : "");
        } else {
            describe();
        }
    }

    /** This relay serves viewers now (its gateway started): with the default policy, verify from here on. */
    void servesViewers() {
        if (servesViewers || isRoot) {
            return;
        }
        servesViewers = true;
        boolean was = verifier != null;
        update();
        if (!was && verifier != null) {
            describe();
        } else if (key == null && policy == RelayConfig.Verify.EDGE && joinsTree) {
            LOG.info("{}: serves viewers; verifies object signatures once the tree controller sends the key", nodeId);
        } else if (key == null && policy == RelayConfig.Verify.EDGE) {
            LOG.warn("{}: serves viewers without a broadcast key: objects reach them unchecked by this relay (give"
                    + " --broadcast-key)", nodeId);
        }
    }

    /** The controller's PLACEMENT named the ingest's key (empty: the ingest does not sign). */
    void learned(byte[] fromController) {
        if (fromController.length == 0) {
            if (key == null && policy != RelayConfig.Verify.NEVER) {
                LOG.warn("{}: the tree controller sends no broadcast key: objects cannot be verified", nodeId);
            }
            return;
        }
        if (configuredKey != null) {
            if (!Arrays.equals(configuredKey, fromController) && !warnedMismatch) {
                warnedMismatch = true;
                LOG.warn("{}: the tree controller's broadcast key {} differs from the configured {}; keeping the"
                        + " configured one", nodeId, Base64.getEncoder().encodeToString(fromController), keyBase64);
            }
            return;
        }
        if (Arrays.equals(key, fromController)) {
            return;
        }
        if (ObjectSignature.PUBLIC_KEY_LENGTH != fromController.length) {
            LOG.warn("{}: the tree controller's broadcast key is {} bytes, not an Ed25519 key: ignored", nodeId,
                    fromController.length);
            return;
        }
        boolean changed = key != null;
        key = fromController.clone();
        keyBase64 = Base64.getEncoder().encodeToString(key);
        verifier = null;
        update();
        if (changed) {
            LOG.info("{}: the tree controller's broadcast key changed to {}", nodeId, keyBase64);
        }
        if (verifier != null) {
            describe();
        }
    }

    private void update() {
        boolean on = key != null && switch (policy) {
            case ALWAYS -> true;
            case EDGE -> servesViewers;
            case NEVER -> false;
        };
        if (!on) {
            verifier = null;
        } else if (verifier == null) {
            verifier = new ObjectSignature.Verifier(key);
        }
    }

    private void describe() {
        if (verifier != null) {
            LOG.info("{}: verifying every object from upstream with broadcast key {}", nodeId, keyBase64);
        } else {
            LOG.info("{}: knows broadcast key {}; not verifying objects ({})", nodeId, keyBase64,
                    policy == RelayConfig.Verify.NEVER ? "verification is off" : "it serves no viewers");
        }
    }

    boolean isVerifying() {
        return verifier != null;
    }

    /** Checks one object from upstream; {@link Outcome#VALID} when not verifying. */
    Outcome check(TrackName track, long group, ObjectFrame object) {
        return verifier == null ? Outcome.VALID : verifier.verify(track, group, object);
    }

    /** The key in use as base64 ("" when none), for players ({@code /api/edge}); any thread. */
    String keyBase64() {
        return keyBase64;
    }
}
