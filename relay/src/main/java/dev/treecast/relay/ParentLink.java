package dev.treecast.relay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.Announce;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.relay.core.Upstream;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The relay's link to its parent: one {@code treecast/1} session, one upstream subscription per track however
 * many subscribe below. When the session ends, the link reconnects (to the next candidate parent, if several
 * are known) and resubscribes every track from its last complete object + 1, so the subtree misses nothing the
 * new parent still caches.
 *
 * <p>Owned by the relay's event loop thread.
 */
final class ParentLink implements Upstream {
    private static final Logger LOG = LoggerFactory.getLogger(ParentLink.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final QuicClientEndpoint endpoint;
    private final List<InetSocketAddress> parents;
    private final ClientSession.Options options;
    private final EventLoop loop;
    private final Map<TrackName, Long> subscriptionIds = new HashMap<>();
    private RelayCore core;
    private ClientSession session;
    private int candidate;
    private int failures;
    private boolean closed;
    private long connects;

    ParentLink(QuicClientEndpoint endpoint, List<InetSocketAddress> parents, ClientSession.Options options) {
        this.endpoint = endpoint;
        this.parents = List.copyOf(parents);
        this.options = options;
        this.loop = endpoint.eventLoop();
    }

    void attach(RelayCore core) {
        this.core = core;
    }

    /** The parent currently connected, or null. */
    InetSocketAddress parent() {
        return session != null && session.isOpen() ? session.remoteAddress() : null;
    }

    String parentNodeId() {
        return session != null && session.isOpen() ? session.peerNodeId() : null;
    }

    /** How many sessions to a parent have been established. */
    long connects() {
        return connects;
    }

    void start() {
        connect();
    }

    private void connect() {
        if (closed) {
            return;
        }
        InetSocketAddress target = parents.get(candidate % parents.size());
        ClientSession.connect(endpoint, target, options, new SessionListener())
                .addListener((Future<ClientSession> f) -> {
                    if (closed) {
                        if (f.isSuccess()) {
                            f.getNow().close(ErrorCode.GOING_AWAY, "relay shutting down");
                        }
                        return;
                    }
                    if (f.isSuccess()) {
                        onConnected(f.getNow());
                    } else {
                        LOG.warn("{}: cannot reach parent {}: {}", core.nodeId(), target, f.cause().getMessage());
                        retry();
                    }
                });
    }

    private void onConnected(ClientSession connected) {
        session = connected;
        failures = 0;
        connects++;
        LOG.info("{}: connected to parent {} ({})", core.nodeId(), connected.peerNodeId(),
                connected.remoteAddress());
        subscriptionIds.clear();
        core.resumePositions().forEach(this::subscribeNow);
    }

    private void retry() {
        failures++;
        candidate++;
        long delay = Math.min(MAX_BACKOFF.toMillis(), 50L << Math.min(failures, 6));
        if (failures == 1) {
            delay = 0;
        }
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void subscribe(TrackName track, StartPosition start) {
        if (session != null && session.isOpen()) {
            subscribeNow(track, start);
        }
        // Otherwise the track is picked up from core.resumePositions() when the session comes up.
    }

    private void subscribeNow(TrackName track, StartPosition start) {
        ClientSession current = session;
        long id = current.subscribe(track, start, 0, new TrackListener(current, track));
        subscriptionIds.put(track, id);
    }

    @Override
    public void unsubscribe(TrackName track) {
        Long id = subscriptionIds.remove(track);
        if (id != null && session != null) {
            session.unsubscribe(id);
        }
    }

    void close() {
        closed = true;
        if (session != null) {
            session.close(ErrorCode.GOING_AWAY, "relay shutting down");
        }
    }

    private final class SessionListener implements ClientSession.Listener {
        @Override
        public void onControl(ClientSession from, ControlMessage message) {
            if (from != session) {
                return;
            }
            if (message instanceof Announce announce) {
                core.onAnnounce(announce);
            }
        }

        @Override
        public void onClosed(ClientSession from, ErrorCode code, String reason) {
            if (from != session || closed) {
                return;
            }
            session = null;
            LOG.warn("{}: lost parent {} ({}: {}); reconnecting", core.nodeId(), from.remoteAddress(), code, reason);
            retry();
        }
    }

    /** Upstream events of one track, ignored once their session is no longer the current one. */
    private final class TrackListener implements ClientSession.SubscriptionListener {
        private final ClientSession owner;
        private final TrackName track;

        TrackListener(ClientSession owner, TrackName track) {
            this.owner = owner;
            this.track = track;
        }

        private boolean current() {
            return owner == session && !closed;
        }

        @Override
        public void onSubscribed(OptionalLong latestGroup) {
            if (current()) {
                core.onUpstreamSubscribed(track);
            }
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
            if (current() && owner.isOpen()) {
                subscriptionIds.remove(track);
                core.onUpstreamRefused(track, code, reason);
            }
        }

        @Override
        public void onObject(long group, ObjectFrame object) {
            if (current()) {
                core.onUpstreamObject(track, group, object);
            } else {
                object.release();
            }
        }

        @Override
        public void onGroupEnd(long group, ErrorCode code) {
            if (!current()) {
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
