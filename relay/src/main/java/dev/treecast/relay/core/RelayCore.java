package dev.treecast.relay.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.Announce;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.protocol.control.SubscribeError;
import dev.treecast.protocol.control.SubscribeOk;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.RelayMetrics;
import dev.treecast.tree.Ranks;

/**
 * The relay's media state: tracks, cache, subscriptions, sessions. Whatever brings data in (an upstream link or,
 * at the root, the local publisher) and whatever takes it out (raw QUIC or WebTransport sessions) meets here.
 *
 * <p>Single owner: every method must be called on the relay's event loop thread. Other threads hand work over
 * with {@code eventLoop.execute}; nothing here locks.
 */
public final class RelayCore {
    private static final Logger LOG = LoggerFactory.getLogger(RelayCore.class);

    /**
     * How long a subscriber may fall behind before its older groups are reset: viewers want the live edge, a child
     * relay must receive everything it can (its subtree depends on it).
     */
    public record Budgets(Duration viewer, Duration relay) {
        public long nanosFor(Role role) {
            return (role == Role.RELAY ? relay : viewer).toNanos();
        }
    }

    /** The rank of a relay the tree has not placed yet: no child ranks above it, so it adopts nobody. */
    public static final long UNPLACED = Long.MAX_VALUE;

    private final String nodeId;
    private final GroupCache cache;
    private final RelayMetrics metrics;
    private final Upstream upstream;
    private final Budgets budgets;
    private final long lingerNanos;
    private final LongSupplier nanoClock;
    private final Map<TrackName, Track> tracks = new HashMap<>();
    private final Map<TrackName, List<PendingSubscribe>> pending = new HashMap<>();
    private final Map<String, Boolean> broadcasts = new LinkedHashMap<>();
    private final Set<DownstreamSession> sessions = new HashSet<>();
    private boolean closed;
    /** Our place in the tree: a child relay must rank strictly above (0 at the root; unplaced: adopt nobody). */
    private long rank;
    private ControlPlane controlPlane;
    private Limits limits = Limits.DEFAULT;
    private final LimitLog limitLog;
    private Admission admission;

    private record PendingSubscribe(DownstreamSession session, Subscribe request) {
    }

    /**
     * @param upstream null at the root: tracks then exist only once the local publisher declares them
     */
    public RelayCore(String nodeId, GroupCache cache, RelayMetrics metrics, Upstream upstream, Budgets budgets,
                     Duration linger, LongSupplier nanoClock) {
        this.nodeId = nodeId;
        this.cache = cache;
        this.metrics = metrics;
        this.upstream = upstream;
        this.budgets = budgets;
        this.lingerNanos = linger.toNanos();
        this.nanoClock = nanoClock;
        this.rank = upstream == null ? Ranks.ROOT : UNPLACED;
        this.limitLog = new LimitLog(LOG, nanoClock);
        this.admission = Admission.open(metrics);
    }

    /** What one downstream peer may cost this relay (see {@link Limits}). */
    public Limits limits() {
        return limits;
    }

    public void limits(Limits value) {
        limits = value;
    }

    /** Who may use this relay: open, or checked against the operator key (see {@link Admission}). */
    public Admission admission() {
        return admission;
    }

    public void admission(Admission value) {
        admission = value;
    }

    /**
     * A downstream peer hit {@code limit}: counted ({@code treecast.relay.limits.hit}) and logged at WARN, at most
     * once per peer and a few lines a second (see {@link LimitLog}).
     */
    public void limitHit(String limit, String peer, String what) {
        metrics.limitHit(limit);
        limitLog.hit(limit, peer, what);
    }

    /** The throttled WARN log of limits, for transports that count a limit in their own metrics. */
    public LimitLog limitLog() {
        return limitLog;
    }

    private boolean draining;

    /** A draining relay adopts no new child relay. */
    public void draining(boolean value) {
        draining = value;
    }

    public boolean isDraining() {
        return draining;
    }

    /** This relay's rank (see {@link Ranks}); children must rank strictly above it. */
    public long rank() {
        return rank;
    }

    /** Sets this relay's rank once the tree has placed it. */
    public void rank(long value) {
        rank = value;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    /** Installs the tree controller (at the root). */
    public void controlPlane(ControlPlane plane) {
        controlPlane = plane;
    }

    /** Downstream sessions whose peer said it is a viewer (browsers and native viewers). */
    public int viewerCount() {
        int viewers = 0;
        for (DownstreamSession session : sessions) {
            if (session.role() == dev.treecast.protocol.control.Role.VIEWER) {
                viewers++;
            }
        }
        return viewers;
    }

    /** Downstream sessions of child relays (not their controller sessions). */
    public List<DownstreamSession> childRelays() {
        List<DownstreamSession> children = new ArrayList<>();
        for (DownstreamSession session : sessions) {
            if (session.role() == dev.treecast.protocol.control.Role.RELAY && !session.isControllerSession()) {
                children.add(session);
            }
        }
        return children;
    }

    /** Every downstream session (for the tree's drain: GOAWAY to each child). */
    public Set<DownstreamSession> sessions() {
        return sessions;
    }

    public String nodeId() {
        return nodeId;
    }

    public boolean isOrigin() {
        return upstream == null;
    }

    public RelayMetrics metrics() {
        return metrics;
    }

    // ---------------------------------------------------------------- downstream sessions

    void register(DownstreamSession session) {
        sessions.add(session);
        metrics.sessions(sessions.size());
    }

    void unregister(DownstreamSession session) {
        sessions.remove(session);
        metrics.sessions(sessions.size());
        for (List<PendingSubscribe> list : pending.values()) {
            list.removeIf(p -> p.session() == session);
        }
    }

    /** Broadcasts currently live, announced to each session after SETUP_OK. */
    Map<String, Boolean> broadcasts() {
        return broadcasts;
    }

    /** A downstream SUBSCRIBE: answered now if the track is live here, after upstream answers otherwise. */
    void subscribe(DownstreamSession session, Subscribe request) {
        TrackName name = request.track();
        Track track = tracks.get(name);
        if (track == null) {
            if (isOrigin()) {
                session.refuse(request.subscriptionId(), ErrorCode.NOT_FOUND, "no track " + name + " at the origin");
                return;
            }
            track = new Track(name, Track.State.PENDING, cache, metrics);
            tracks.put(name, track);
            // Ask upstream for what the first subscriber asks us: a child resuming at (group, object) after a
            // change of parent is served from our parent's cache, without a gap.
            upstream.subscribe(name, request.start());
        }
        if (track.state() == Track.State.PENDING) {
            pending.computeIfAbsent(name, n -> new ArrayList<>()).add(new PendingSubscribe(session, request));
            return;
        }
        accept(track, session, request);
    }

    private void accept(Track track, DownstreamSession session, Subscribe request) {
        Subscription subscription = new Subscription(request.subscriptionId(), track, session,
                request.priority(), budgets.nanosFor(session.role()), metrics);
        session.accepted(subscription);
        track.add(subscription);
        metrics.subscribers(+1);
        OptionalLong latest = track.latestGroup() < 0 ? OptionalLong.empty() : OptionalLong.of(track.latestGroup());
        session.link().send(new SubscribeOk(request.subscriptionId(), latest));
        subscription.start(request.start(), cache);
    }

    void unsubscribe(Subscription subscription, ErrorCode code) {
        if (subscription.isClosed()) {
            return;
        }
        subscription.close(code);
        subscription.track().remove(subscription, nanoClock.getAsLong());
        metrics.subscribers(-1);
    }

    // ---------------------------------------------------------------- upstream answers

    /** Upstream accepted our subscription to {@code name}: waiting subscribers are answered and started. */
    public void onUpstreamSubscribed(TrackName name) {
        Track track = tracks.get(name);
        if (track == null || track.state() == Track.State.LIVE) {
            return;
        }
        track.live();
        List<PendingSubscribe> waiting = pending.remove(name);
        if (waiting != null) {
            for (PendingSubscribe p : waiting) {
                if (!p.session().isClosed()) {
                    accept(track, p.session(), p.request());
                }
            }
        }
    }

    /** Upstream refused {@code name} or can no longer serve it: everyone below is told. */
    public void onUpstreamRefused(TrackName name, ErrorCode code, String reason) {
        Track track = tracks.remove(name);
        List<PendingSubscribe> waiting = pending.remove(name);
        if (waiting != null) {
            for (PendingSubscribe p : waiting) {
                p.session().refuse(p.request().subscriptionId(), code, reason);
            }
        }
        if (track != null) {
            for (Subscription s : List.copyOf(track.subscribers())) {
                s.session().ended(s, code, reason);
                unsubscribe(s, code);
            }
            track.close(code);
        }
    }

    public void onUpstreamObject(TrackName name, long group, ObjectFrame object) {
        Track track = tracks.get(name);
        if (track == null) {
            object.release();
            return;
        }
        track.onObject(group, object, nanoClock.getAsLong());
    }

    public void onUpstreamGroupEnd(TrackName name, long group) {
        Track track = tracks.get(name);
        if (track != null) {
            track.onGroupEnd(group);
        }
    }

    public void onUpstreamGroupAborted(TrackName name, long group, ErrorCode code) {
        Track track = tracks.get(name);
        if (track != null) {
            metrics.upstreamGroupAborted();
            track.onGroupAborted(group, code);
        }
    }

    /** Tracks that have data and subscribers, with where each must resume after a change of parent. */
    public Map<TrackName, StartPosition> resumePositions() {
        Map<TrackName, StartPosition> positions = new LinkedHashMap<>();
        for (Track track : tracks.values()) {
            StartPosition.At at = track.resumePosition();
            positions.put(track.name(), at == null ? StartPosition.LATEST : at);
        }
        return positions;
    }

    /** An ANNOUNCE from upstream, or from the local publisher: remembered and passed to every session. */
    public void onAnnounce(Announce announce) {
        Boolean previous = broadcasts.put(announce.broadcast(), announce.live());
        if (!announce.live()) {
            broadcasts.remove(announce.broadcast());
        }
        if (previous == null || previous != announce.live()) {
            for (DownstreamSession session : sessions) {
                session.announce(announce);
            }
        }
    }

    // ---------------------------------------------------------------- the root's local publisher

    /** Creates a track at the root (no-op if it exists), live at once so subscribers can wait for data. */
    public void declare(TrackName name) {
        requireOrigin();
        tracks.computeIfAbsent(name, n -> new Track(n, Track.State.LIVE, cache, metrics));
        if (!broadcasts.containsKey(name.broadcast())) {
            onAnnounce(new Announce(name.broadcast(), true));
        }
    }

    /** Publishes an object of a declared track; ownership of {@code object} passes here. */
    public void publish(TrackName name, long group, ObjectFrame object) {
        requireOrigin();
        Track track = tracks.get(name);
        if (track == null) {
            object.release();
            throw new IllegalStateException("track " + name + " was not declared");
        }
        track.onObject(group, object, nanoClock.getAsLong());
    }

    public void endGroup(TrackName name, long group) {
        requireOrigin();
        Track track = tracks.get(name);
        if (track != null) {
            track.onGroupEnd(group);
        }
    }

    private void requireOrigin() {
        if (!isOrigin()) {
            throw new IllegalStateException("only the root publishes locally");
        }
    }

    // ---------------------------------------------------------------- duty cycle

    /** Periodic duty: latency budgets, dropping idle upstream subscriptions, cache expiry. */
    public void tick() {
        long now = nanoClock.getAsLong();
        for (Iterator<Track> it = tracks.values().iterator(); it.hasNext(); ) {
            Track track = it.next();
            track.enforceBudgets(now, budgets.relay().toNanos());
            long idleSince = track.lingerSinceNanos();
            if (!isOrigin() && idleSince >= 0 && now - idleSince > lingerNanos
                    && !pending.containsKey(track.name())) {
                it.remove();
                upstream.unsubscribe(track.name());
                track.close(ErrorCode.CANCELLED);
                LOG.debug("{}: dropped idle track {}", nodeId, track.name());
            }
        }
        cache.cleanUp();
    }

    public Track track(TrackName name) {
        return tracks.get(name);
    }

    public int trackCount() {
        return tracks.size();
    }

    public int sessionCount() {
        return sessions.size();
    }

    public GroupCache cache() {
        return cache;
    }

    /** Closes every session with GOING_AWAY and releases all media. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (DownstreamSession session : List.copyOf(sessions)) {
            session.close(ErrorCode.GOING_AWAY, "relay shutting down");
        }
        for (Track track : tracks.values()) {
            track.close(ErrorCode.GOING_AWAY);
        }
        tracks.clear();
        pending.clear();
        cache.clear();
    }
}
