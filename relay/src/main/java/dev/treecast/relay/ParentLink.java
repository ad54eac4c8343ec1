package dev.treecast.relay;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.Announce;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.GoAway;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.relay.core.Upstream;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.tree.Backup;
import dev.treecast.tree.Placement;
import dev.treecast.tree.RelayAgent;

/**
 * The relay's links to its parent, run by the tree's {@link RelayAgent}: the agent decides (which parent, when a
 * parent is dead, which backup next, when to drop the old parent of a make-before-break move); this adapter
 * carries those decisions out over {@code treecast/1} sessions and feeds the agent what happens.
 *
 * <p>One upstream subscription per track and session. During a move or a repair two sessions may be up at once:
 * both feed the tracks, and what the new parent repeats is dropped as duplicates, so nothing is missed. A new
 * session resubscribes every track from its last complete object + 1, and reports itself connected to the agent
 * only once every track's subscription is accepted: data really flows from the new parent before the old is
 * dropped.
 *
 * <p>Owned by the relay's event loop thread.
 */
final class ParentLink implements Upstream {
    private static final Logger LOG = LoggerFactory.getLogger(ParentLink.class);
    /** A candidate parent that does not finish a handshake this quickly on a fast link is skipped for the next. */
    static final java.time.Duration MIN_CONNECT_TIMEOUT = java.time.Duration.ofMillis(400);

    /** What the adapter tells the rest of the relay about its place in the tree. */
    interface Events {
        /** A failure repair completed (the old parent died or its link was lost). */
        void repaired(String oldParentId, String newParentId, long tookNanos);

        /** The first object arrived from the parent a repair attached to ({@code System.nanoTime()}). */
        void firstObjectAfterRepair(String oldParentId, String newParentId, long tookNanos, long atNanos);

        /** The parent changed for a planned reason (a join that fell back, a controller move, a drain). */
        void reparented(String oldParentId, String newParentId, long tookNanos);

        void detached(String reason);
    }

    private final QuicClientEndpoint endpoint;
    private final ClientSession.Options options;
    /** Whether SETUP carries our rank (the self-building tree) or 0 (hand-configured parents). */
    private final boolean ranked;
    private final RelayAgent agent;
    private final RelayMetrics metrics;
    private final Events events;
    private final ObjectVerification verification;
    private final Map<String, ParentSession> sessions = new LinkedHashMap<>();
    private RelayCore core;
    private boolean closed;
    /** The last repair, until the first object from its new parent arrives. */
    private RelayAgent.Action.Repaired awaitingFirstObject;

    /** One session to a parent (the current one, or the next one during a move or repair). */
    private final class ParentSession {
        final String parentId;
        final ClientSession session;
        final Map<TrackName, Long> subscriptions = new LinkedHashMap<>();
        int awaitingReplies;
        boolean reported;
        long lastHeardNanos = -1;
        long heardReported = -1;
        /** Objects from this parent whose signature failed; the first one is logged. */
        long rejected;

        ParentSession(String parentId, ClientSession session) {
            this.parentId = parentId;
            this.session = session;
        }

        void subscribe(TrackName track, StartPosition start) {
            awaitingReplies++;
            subscriptions.put(track, session.subscribe(track, start, 0, new TrackListener(this, track)));
        }

        void replied() {
            awaitingReplies--;
            if (awaitingReplies <= 0 && !reported) {
                reported = true;
                execute(agent.connected(parentId, System.nanoTime()));
            }
        }
    }

    /**
     * Why the next repair or move happens, for {@code treecast.relay.reparents}: a repair is for a parent that fell
     * silent unless its link was seen closing; a move is the controller's unless the parent said GOAWAY.
     */
    private String repairCause = "parent-dead";
    private String moveCause = "move";

    ParentLink(QuicClientEndpoint endpoint, ClientSession.Options options, boolean ranked, RelayAgent agent,
               RelayMetrics metrics, Events events, ObjectVerification verification) {
        this.endpoint = endpoint;
        this.options = options;
        this.ranked = ranked;
        this.agent = agent;
        this.metrics = metrics;
        this.events = events;
        this.verification = verification;
    }

    void attach(RelayCore core) {
        this.core = core;
    }

    RelayAgent agent() {
        return agent;
    }

    /** The parent whose session is up, or null. */
    String parentId() {
        String id = agent.parentId();
        ParentSession s = id == null ? null : sessions.get(id);
        return s != null && s.session.isOpen() ? id : null;
    }

    InetSocketAddress parentAddress() {
        String id = parentId();
        return id == null ? null : sessions.get(id).session.remoteAddress();
    }

    /** The current parent's address as {@code host:port}, or null. */
    String parentAddressString() {
        InetSocketAddress address = parentAddress();
        return address == null ? null : Relay.hostPort(address);
    }

    // ---------------------------------------------------------------- agent inputs

    void placed(Placement placement) {
        if (core.rank() != placement.rank()) {
            core.rank(placement.rank());
            // A child that no longer ranks above us must go, or the rank order (and with it loop freedom) breaks.
            for (dev.treecast.relay.core.DownstreamSession child : core.childRelays()) {
                long childRank = child.setup().rank();
                if (childRank != 0 && !dev.treecast.tree.Ranks.mayAdopt(placement.rank(), childRank)) {
                    child.close(ErrorCode.RANK_REFUSED, "our rank changed to " + placement.rank());
                }
            }
        }
        execute(agent.placed(placement, System.nanoTime()));
    }

    void backups(List<Backup> backups) {
        execute(agent.backups(backups, System.nanoTime()));
    }

    void move(String parentId, String address) {
        moveCause = "move";
        execute(agent.move(parentId, address, System.nanoTime()));
    }

    /**
     * This relay's own thread was stalled until {@code nowNanos} (GC, a burst of handshakes, a starved CPU): the
     * parents' echoes may be unread in the socket, so their silence is counted from now, not from before the stall.
     */
    void stalled(long nowNanos) {
        if (closed) {
            return;
        }
        for (ParentSession s : new ArrayList<>(sessions.values())) {
            execute(agent.heard(s.parentId, nowNanos));
        }
    }

    /** Duty cycle: tells the agent what was heard, then lets it send heartbeats and notice dead parents. */
    void tick(long nowNanos) {
        if (closed) {
            return;
        }
        for (ParentSession s : new ArrayList<>(sessions.values())) {
            if (s.lastHeardNanos > s.heardReported) {
                s.heardReported = s.lastHeardNanos;
                execute(agent.heard(s.parentId, s.lastHeardNanos));
            }
        }
        execute(agent.tick(nowNanos));
    }

    private void execute(List<RelayAgent.Action> actions) {
        for (RelayAgent.Action action : actions) {
            if (closed) {
                return;
            }
            switch (action) {
                case RelayAgent.Action.Connect connect -> connect(connect.parent());
                case RelayAgent.Action.Drop drop -> drop(drop.parentId());
                case RelayAgent.Action.Heartbeat beat -> {
                    ParentSession s = sessions.get(beat.parentId());
                    if (s != null) {
                        s.session.send(new Heartbeat(beat.sequence(), 1 + core.childRelays().size(),
                                core.viewerCount()));
                    }
                }
                case RelayAgent.Action.Repaired repaired -> {
                    metrics.repair(repaired.tookNanos());
                    metrics.reparent(repairCause);
                    repairCause = "parent-dead";
                    LOG.info("{}: repaired: lost {}, now under {} after {} ms", core.nodeId(), repaired.oldParentId(),
                            repaired.newParentId(), repaired.tookNanos() / 1_000_000);
                    events.repaired(repaired.oldParentId(), repaired.newParentId(), repaired.tookNanos());
                    awaitingFirstObject = repaired;
                }
                case RelayAgent.Action.Moved moved -> {
                    metrics.reparent(moveCause);
                    moveCause = "move";
                    LOG.info("{}: moved from {} to {} in {} ms", core.nodeId(), moved.oldParentId(),
                            moved.newParentId(), moved.tookNanos() / 1_000_000);
                    events.reparented(moved.oldParentId(), moved.newParentId(), moved.tookNanos());
                }
                case RelayAgent.Action.Joined joined -> {
                    LOG.debug("{}: joined under {} in {} ms", core.nodeId(), joined.parentId(),
                            joined.tookNanos() / 1_000_000);
                    events.reparented("", joined.parentId(), joined.tookNanos());
                }
                case RelayAgent.Action.Detached detached -> {
                    LOG.warn("{}: detached from the tree: {}", core.nodeId(), detached.reason());
                    events.detached(detached.reason());
                }
            }
        }
    }

    private void connect(Backup candidate) {
        if (sessions.containsKey(candidate.id())) {
            return;
        }
        InetSocketAddress address = address(candidate.address());
        if (address == null) {
            execute(agent.connectFailed(candidate.id(), System.nanoTime()));
            return;
        }
        // The handshake gets half of the attempt's time (the rest is SETUP and the SUBSCRIBE replies); on a slow link
        // the agent's attempt timeout grows with the heartbeat RTT, and so does this.
        long handshakeTimeout = Math.max(MIN_CONNECT_TIMEOUT.toNanos(), agent.attemptTimeoutNanos() / 2);
        endpoint.connectTimeout(java.time.Duration.ofNanos(handshakeTimeout));
        Attempt attempt = new Attempt(candidate, address);
        attempt.handshake();
        long hedgeAfter = hedgeDelayNanos(handshakeTimeout);
        endpoint.eventLoop().schedule(attempt::hedge, hedgeAfter, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /**
     * When a second handshake to the same candidate starts if the first has not finished: about three round trips
     * of the last parent (the handshake's one, SETUP's one, and one of slack), at least {@link #MIN_HEDGE_DELAY} (also
     * when no round trip is known yet), at most half the handshake timeout. QUIC's first probe timeout, before the
     * client has an RTT sample, is about a second (initial RTT 333 ms, RFC 9002), so one lost Initial or Handshake
     * packet (some 9 % of handshakes over links losing 1.5 %) held a repair for a second, and past the timeout; a
     * fresh handshake sent meanwhile costs the candidate one more TLS handshake, and only when the first is late.
     */
    private long hedgeDelayNanos(long handshakeTimeout) {
        long srtt = agent.smoothedRttNanos();
        long hedge = srtt < 0 ? MIN_HEDGE_DELAY.toNanos() : 3 * srtt + MIN_HEDGE_DELAY.toNanos() / 2;
        return Math.min(Math.max(hedge, MIN_HEDGE_DELAY.toNanos()), handshakeTimeout / 2);
    }

    /** No second handshake starts sooner than this after the first (a slow CPU is not a lost packet). */
    static final java.time.Duration MIN_HEDGE_DELAY = java.time.Duration.ofMillis(150);

    /**
     * One {@link RelayAgent.Action.Connect} carried out: a handshake, and a second one ({@link #hedge}) if the first
     * is late. The first session up serves; one that comes up after it is closed; the agent hears of a failure only
     * when every handshake failed.
     */
    private final class Attempt {
        final Backup candidate;
        final InetSocketAddress address;
        int pending;
        int started;
        boolean won;

        Attempt(Backup candidate, InetSocketAddress address) {
            this.candidate = candidate;
            this.address = address;
        }

        void handshake() {
            pending++;
            started++;
            LOG.debug("{}: connecting to {} ({}){}", core.nodeId(), candidate.id(), address,
                    started > 1 ? ": second handshake, the first is late" : "");
            ClientSession.Options withRank = ranked ? options.withRank(core.rank()) : options;
            ClientSession.connect(endpoint, address, withRank, new SessionListener(candidate.id()))
                    .addListener((io.netty.util.concurrent.Future<ClientSession> f) -> completed(f));
        }

        /** The hedge timer: a second handshake if this attempt is still the agent's and nothing is up yet. */
        void hedge() {
            if (!closed && !won && started == 1 && pending > 0 && candidate.id().equals(agent.candidateId())
                    && !sessions.containsKey(candidate.id())) { // (another attempt's session may be up)
                metrics.handshakeHedged();
                handshake();
            }
        }

        private void completed(io.netty.util.concurrent.Future<ClientSession> f) {
            pending--;
            if (closed) {
                if (f.isSuccess()) {
                    f.getNow().close(ErrorCode.GOING_AWAY, "relay shutting down");
                }
                return;
            }
            if (!f.isSuccess()) {
                metrics.handshakeFailed();
                LOG.info("{}: cannot attach to {} ({}): {}{}", core.nodeId(), candidate.id(), address,
                        f.cause().getMessage(), pending > 0 ? " (another handshake to it is still under way)" : "");
                if (pending == 0 && !won) {
                    execute(agent.connectFailed(candidate.id(), System.nanoTime()));
                }
                return;
            }
            ParentSession existing = sessions.get(candidate.id());
            if (won || (existing != null && existing.session.isOpen())) {
                // The other handshake of this attempt won, or two connects to one candidate were in flight (an
                // attempt timed out under load and was retried): the first to complete serves. Kept too, the second
                // stayed open unseen beside it, its parent feeding and counting a child nobody listened to.
                LOG.debug("{}: closing a second session to {}", core.nodeId(), candidate.id());
                f.getNow().close(ErrorCode.NO_ERROR, "duplicate session");
                return;
            }
            won = true;
            ParentSession s = new ParentSession(candidate.id(), f.getNow());
            sessions.put(candidate.id(), s);
            metrics.parentConnect();
            LOG.info("{}: attached to {} ({})", core.nodeId(), s.session.peerNodeId(), address);
            core.resumePositions().forEach(s::subscribe);
            if (s.awaitingReplies == 0) {
                s.awaitingReplies = 1;
                s.replied();
            }
        }
    }

    private void drop(String parentId) {
        ParentSession s = sessions.remove(parentId);
        if (s != null) {
            LOG.info("{}: left {}", core.nodeId(), parentId);
            s.session.close(ErrorCode.NO_ERROR, "moved to another parent");
        }
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- Upstream

    @Override
    public void subscribe(TrackName track, StartPosition start) {
        for (ParentSession s : sessions.values()) {
            if (s.session.isOpen() && !s.subscriptions.containsKey(track)) {
                s.subscribe(track, start);
            }
        }
        // With no session up, the track is picked up from core.resumePositions() when one comes up.
    }

    @Override
    public void unsubscribe(TrackName track) {
        for (ParentSession s : sessions.values()) {
            Long id = s.subscriptions.remove(track);
            if (id != null) {
                s.session.unsubscribe(id);
            }
        }
    }

    void close() {
        closed = true;
        for (ParentSession s : sessions.values()) {
            s.session.close(ErrorCode.GOING_AWAY, "relay shutting down");
        }
        sessions.clear();
    }

    private final class SessionListener implements ClientSession.Listener {
        private final String parentId;

        SessionListener(String parentId) {
            this.parentId = parentId;
        }

        private ParentSession current(ClientSession from) {
            ParentSession s = sessions.get(parentId);
            return s != null && s.session == from ? s : null;
        }

        @Override
        public void onControl(ClientSession from, ControlMessage message) {
            ParentSession s = current(from);
            if (s == null) {
                return;
            }
            s.lastHeardNanos = System.nanoTime();
            switch (message) {
                case Announce announce -> core.onAnnounce(announce);
                case Heartbeat beat -> execute(agent.heartbeatAcked(parentId, beat.sequence(), System.nanoTime()));
                case GoAway goAway -> {
                    moveCause = "goaway";
                    execute(agent.goAway(parentId, goAway.address(), System.nanoTime()));
                }
                default -> {
                }
            }
        }

        @Override
        public void onClosed(ClientSession from, ErrorCode code, String reason) {
            if (current(from) == null || closed) {
                return;
            }
            sessions.remove(parentId);
            LOG.warn("{}: lost parent {} ({}: {})", core.nodeId(), parentId, code, reason);
            repairCause = "parent-lost";
            execute(agent.parentLost(parentId, System.nanoTime()));
        }
    }

    /** Upstream events of one track on one parent session; ignored once that session is gone. */
    private final class TrackListener implements ClientSession.SubscriptionListener {
        private final ParentSession owner;
        private final TrackName track;
        private boolean replied;

        TrackListener(ParentSession owner, TrackName track) {
            this.owner = owner;
            this.track = track;
        }

        private boolean live() {
            return !closed && sessions.get(owner.parentId) == owner;
        }

        private void reply() {
            if (!replied) {
                replied = true;
                owner.replied();
            }
        }

        @Override
        public void onSubscribed(OptionalLong latestGroup) {
            if (live()) {
                core.onUpstreamSubscribed(track);
                reply();
            }
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
            if (live() && owner.session.isOpen()) {
                owner.subscriptions.remove(track);
                core.onUpstreamRefused(track, code, reason);
                reply();
            }
        }

        @Override
        public void onObject(long group, ObjectFrame object) {
            if (live()) {
                long now = System.nanoTime();
                owner.lastHeardNanos = now;
                ObjectSignature.Outcome outcome = verification.check(track, group, object);
                if (outcome != ObjectSignature.Outcome.VALID) {
                    reject(group, object, outcome);
                    return;
                }
                RelayAgent.Action.Repaired repair = awaitingFirstObject;
                if (repair != null && repair.newParentId().equals(owner.parentId)) {
                    awaitingFirstObject = null;
                    events.firstObjectAfterRepair(repair.oldParentId(), repair.newParentId(), repair.tookNanos(),
                            now);
                }
                core.onUpstreamObject(track, group, object);
            } else {
                object.release();
            }
        }

        /**
         * Drops an object whose signature failed, before it is cached or forwarded: subscribers below see a gap of
         * that one object in the group. Counted; logged once per parent link, naming the link it came from.
         */
        private void reject(long group, ObjectFrame object, ObjectSignature.Outcome outcome) {
            try {
                metrics.rejected(outcome.tag());
                if (owner.rejected++ == 0) {
                    LOG.warn("{}: rejected object {} of group {} of {} from parent {} ({}): signature {}; further"
                                    + " rejections on this link are only counted (treecast.relay.objects.rejected)",
                            core.nodeId(), object.sequence(), group, track, owner.parentId,
                            owner.session.remoteAddress(), outcome.tag());
                }
            } finally {
                object.release();
            }
        }

        @Override
        public void onGroupEnd(long group, ErrorCode code) {
            if (!live()) {
                return;
            }
            if (code == ErrorCode.NO_ERROR) {
                core.onUpstreamGroupEnd(track, group);
            } else if (code == ErrorCode.TOO_SLOW) {
                // The parent dropped the rest of this group for us: it will not come.
                core.onUpstreamGroupAborted(track, group, code);
            }
            // Anything else (the connection or the parent going away, a cancelled stream): a resume on the next
            // session continues the group; if none does, the stall check ends it.
        }
    }
}
