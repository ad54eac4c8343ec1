package dev.treecast.relay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.core.Limits;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.transport.Certificates;
import dev.treecast.transport.QuicSettings;

/**
 * Everything a relay needs to start. Every field has a default that works on one machine; see {@link #builder()}.
 *
 * @param nodeId        name in logs, metrics and SETUP (unique in the fleet)
 * @param bind          UDP address for downstream QUIC sessions (port 0: any free port)
 * @param parents       where to connect upstream, in order of preference; empty at the root
 * @param certificates  TLS identity; null generates a self-signed ECDSA P-256 certificate at start-up
 * @param downstream    QUIC limits granted to subscribers
 * @param upstream      QUIC limits granted to the parent
 * @param cacheBytes    byte bound of the group cache
 * @param cacheDuration how long a group stays cached after its last object
 * @param budgets       how far behind a viewer / a child relay may fall before old groups are reset
 * @param linger        how long an upstream subscription outlives its last subscriber
 * @param maxPayload    largest object accepted from upstream
 * @param tree          how the relay takes part in the self-building tree (null: a hand-configured parent list, or
 *                      the root when that is empty too)
 * @param broadcastKey  the ingest's raw Ed25519 public key objects are signed with (null: none configured; a relay
 *                      that joins the tree learns it from the controller's PLACEMENT)
 * @param verify        when objects from upstream are checked against that key
 * @param limits        what one downstream peer may cost (sessions, handshake timeout, subscriptions, control
 *                      buffers; see {@link Limits}); the QUIC-level ones (streams, windows, idle timeout) are in
 *                      {@code downstream}
 * @param access        who may use this relay and what it presents upstream (see {@link Access}; default: an open
 *                      fleet)
 */
public record RelayConfig(String nodeId, InetSocketAddress bind, List<InetSocketAddress> parents,
                          Certificates certificates, QuicSettings downstream, QuicSettings upstream,
                          long cacheBytes, Duration cacheDuration, RelayCore.Budgets budgets, Duration linger,
                          int maxPayload, Tree tree, byte[] broadcastKey, Verify verify, Limits limits,
                          Access access) {

    /** When a relay checks the signature of every object it receives from upstream. */
    public enum Verify {
        /** The default: when it serves viewers (its gateway started), the edge of the tree; not in the middle. */
        EDGE,
        ALWAYS,
        NEVER
    }

    /**
     * Membership of the self-building tree.
     *
     * @param controller     the ingest's QUIC address: the controller places this relay
     * @param region         where this relay is (free text, e.g. {@code eu-west}); "" for unknown
     * @param slots          how many child relays it can feed (uplink ÷ stream bitrate, minus a margin)
     * @param advertiseHost  host put in the address other relays attach to (null: the controller uses the address
     *                       it sees this relay's session come from)
     * @param heartbeatEvery heartbeat interval on the parent link
     * @param deadAfter      a parent not heard from this long is dead: repair
     */
    public record Tree(InetSocketAddress controller, String region, int slots, String advertiseHost,
                       Duration heartbeatEvery, Duration deadAfter) {
        public Tree {
            if (slots < 0) {
                throw new IllegalArgumentException("slots must be >= 0: " + slots);
            }
            if (!deadAfter.minus(heartbeatEvery.multipliedBy(2)).isPositive()) {
                throw new IllegalArgumentException("deadAfter (" + deadAfter + ") must exceed two heartbeats ("
                        + heartbeatEvery + "), or one lost heartbeat kills the link");
            }
            region = region == null ? "" : region;
        }

        /** Heartbeats on parent links every 50 ms; a parent silent for 150 ms is dead. */
        public static final Duration HEARTBEAT = Duration.ofMillis(50);
        public static final Duration DEAD_AFTER = Duration.ofMillis(150);

        /** Joins {@code controller} with the default timing ({@link #HEARTBEAT}, {@link #DEAD_AFTER}). */
        public static Tree join(InetSocketAddress controller, String region, int slots) {
            return new Tree(controller, region, slots, null, HEARTBEAT, DEAD_AFTER);
        }

        public Tree advertise(String host) {
            return new Tree(controller, region, slots, host, heartbeatEvery, deadAfter);
        }
    }

    public RelayConfig {
        if (nodeId == null || nodeId.isBlank() || nodeId.length() > 128) {
            throw new IllegalArgumentException("node id must be 1..128 characters: '" + nodeId + "'");
        }
        parents = List.copyOf(parents);
        if (tree != null && !parents.isEmpty()) {
            throw new IllegalArgumentException("a relay either joins the tree or has hand-configured parents");
        }
        if (cacheBytes < 1 << 20) {
            throw new IllegalArgumentException("cache must hold at least 1 MiB: " + cacheBytes);
        }
        if (cacheDuration.compareTo(budgets.relay()) < 0) {
            throw new IllegalArgumentException("the cache (" + cacheDuration + ") must outlast the relay latency"
                    + " budget (" + budgets.relay() + "), or a resuming child would find a gap");
        }
        if (broadcastKey != null) {
            broadcastKey = broadcastKey.clone();
            // Refuses anything that is not an Ed25519 public key now rather than at the first object.
            dev.treecast.protocol.data.ObjectSignature.publicKey(broadcastKey);
        }
        verify = verify == null ? Verify.EDGE : verify;
        limits = limits == null ? Limits.DEFAULT : limits;
        access = access == null ? Access.OPEN : access;
    }

    /**
     * Fleet authentication and viewer tokens (see {@link dev.treecast.protocol.auth.AccessToken} and
     * {@link dev.treecast.relay.core.Admission}).
     *
     * @param operatorKey      the operator's raw Ed25519 public key (32 bytes): with it every downstream session is
     *                         checked (relays need a relay token, viewers a viewer token); null: an open fleet, where
     *                         anyone may join and watch and tokens are not looked at
     * @param viewersNeedToken with an operator key, whether a viewer without a token is refused (false: "open
     *                         viewers", the fleet is authenticated but watching is free; a token presented is still
     *                         checked)
     * @param token            this relay's own relay token, presented in SETUP to its parents and to the tree
     *                         controller ("" for none); never printed
     */
    public record Access(byte[] operatorKey, boolean viewersNeedToken, String token) {
        /** An open fleet: no key, no token. */
        public static final Access OPEN = new Access(null, true, "");

        public Access {
            if (operatorKey != null) {
                operatorKey = operatorKey.clone();
                dev.treecast.protocol.data.ObjectSignature.publicKey(operatorKey); // Ed25519 or refused now
            }
            token = token == null ? "" : token;
        }

        /** Checks every downstream session against {@code key} (viewers need a token). */
        public static Access enforcing(byte[] key) {
            return new Access(key, true, "");
        }

        @Override
        public byte[] operatorKey() {
            return operatorKey == null ? null : operatorKey.clone();
        }

        public boolean isEnforcing() {
            return operatorKey != null;
        }

        public Access withOperatorKey(byte[] key) {
            return new Access(key, viewersNeedToken, token);
        }

        public Access withViewersNeedToken(boolean value) {
            return new Access(operatorKey, value, token);
        }

        /** With {@code value} as this relay's own relay token. */
        public Access withToken(String value) {
            return new Access(operatorKey, viewersNeedToken, value);
        }

        @Override
        public String toString() {
            return "Access[" + (operatorKey == null ? "open fleet" : "operator key, viewers "
                    + (viewersNeedToken ? "need a token" : "open")) + (token.isEmpty() ? "" : ", with a relay token")
                    + "]";
        }
    }

    /** This configuration with {@code value} as its {@link Access}. */
    public RelayConfig withAccess(Access value) {
        return new RelayConfig(nodeId, bind, parents, certificates, downstream, upstream, cacheBytes, cacheDuration,
                budgets, linger, maxPayload, tree, broadcastKey, verify, limits, value);
    }

    /** The configured broadcast key (a copy), or null. */
    @Override
    public byte[] broadcastKey() {
        return broadcastKey == null ? null : broadcastKey.clone();
    }

    public boolean isRoot() {
        return parents.isEmpty() && tree == null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: any free port, a self-signed certificate, 256 MiB / 10 s of cache, budgets 1.5 s and 8 s. */
    public static final class Builder {
        private String nodeId = "relay-" + UUID.randomUUID().toString().substring(0, 8);
        private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 0);
        private List<InetSocketAddress> parents = List.of();
        private Certificates certificates;
        private QuicSettings downstream = QuicSettings.DEFAULT;
        private QuicSettings upstream = QuicSettings.DEFAULT.withIdleTimeout(Duration.ofSeconds(2));
        private long cacheBytes = 256L << 20;
        private Duration cacheDuration = Duration.ofSeconds(10);
        private RelayCore.Budgets budgets = new RelayCore.Budgets(Duration.ofMillis(1500), Duration.ofSeconds(8));
        private Duration linger = Duration.ofSeconds(5);
        private int maxPayload = ObjectFrame.DEFAULT_MAX_PAYLOAD;
        private Tree tree;
        private byte[] broadcastKey;
        private Verify verify = Verify.EDGE;
        private Limits limits = Limits.DEFAULT;
        private Access access = Access.OPEN;

        public Builder nodeId(String value) {
            nodeId = value;
            return this;
        }

        public Builder bind(InetSocketAddress value) {
            bind = value;
            return this;
        }

        public Builder parent(InetSocketAddress value) {
            parents = List.of(value);
            return this;
        }

        public Builder parents(List<InetSocketAddress> value) {
            parents = value;
            return this;
        }

        public Builder certificates(Certificates value) {
            certificates = value;
            return this;
        }

        public Builder downstream(QuicSettings value) {
            downstream = value;
            return this;
        }

        public Builder upstream(QuicSettings value) {
            upstream = value;
            return this;
        }

        public Builder cache(long bytes, Duration duration) {
            cacheBytes = bytes;
            cacheDuration = duration;
            return this;
        }

        public Builder budgets(Duration viewer, Duration relay) {
            budgets = new RelayCore.Budgets(viewer, relay);
            return this;
        }

        public Builder linger(Duration value) {
            linger = value;
            return this;
        }

        /** Joins the self-building tree (instead of hand-configured parents). */
        public Builder tree(Tree value) {
            tree = value;
            return this;
        }

        public Builder maxPayload(int value) {
            maxPayload = value;
            return this;
        }

        /** The ingest's raw Ed25519 public key (32 bytes), to verify objects without asking the controller. */
        public Builder broadcastKey(byte[] value) {
            broadcastKey = value;
            return this;
        }

        /** What one downstream peer may cost (defaults: {@link Limits#DEFAULT}). */
        public Builder limits(Limits value) {
            limits = value;
            return this;
        }

        /** Who may use this relay and what it presents upstream (default: {@link Access#OPEN}). */
        public Builder access(Access value) {
            access = value;
            return this;
        }

        public Builder verify(Verify value) {
            verify = value;
            return this;
        }

        public RelayConfig build() {
            return new RelayConfig(nodeId, bind, parents, certificates, downstream, upstream, cacheBytes,
                    cacheDuration, budgets, linger, maxPayload, tree, broadcastKey, verify, limits, access);
        }
    }
}
