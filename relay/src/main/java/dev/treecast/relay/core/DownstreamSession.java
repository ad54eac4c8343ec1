package dev.treecast.relay.core;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.control.Announce;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.GoAway;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.Join;
import dev.treecast.protocol.control.Repaired;
import dev.treecast.protocol.control.Report;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.SetupOk;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.protocol.control.SubscribeError;
import dev.treecast.protocol.control.Unsubscribe;
import dev.treecast.transport.Alpn;
import dev.treecast.tree.Ranks;

/**
 * The relay's side of one downstream session (a viewer or a child relay), independent of the transport: the
 * {@code treecast/1} control conversation (SETUP first, then SUBSCRIBE / UNSUBSCRIBE / HEARTBEAT) and the
 * subscriptions it owns. A peer that breaks the protocol gets an ERROR with the code and is closed; nobody else
 * notices.
 *
 * <p>Owned by the relay's event loop thread.
 */
public final class DownstreamSession {
    private static final Logger LOG = LoggerFactory.getLogger(DownstreamSession.class);

    private final RelayCore core;
    private final SubscriberLink link;
    private final Map<Long, Subscription> subscriptions = new HashMap<>();
    private final Set<Long> waiting = new HashSet<>();
    private Setup setup;
    private boolean closed;
    private Heartbeat lastHeartbeat;
    private boolean controllerSession;
    /** Whether this peer's refused subscriptions were logged already (once per peer; all are counted). */
    private boolean subscriptionLimitLogged;
    /** The peer's access token once checked (see {@link Admission}); null when it has none. */
    private AccessToken access;
    private boolean subscriptionRefusalLogged;

    public DownstreamSession(RelayCore core, SubscriberLink link) {
        this.core = core;
        this.link = link;
        core.register(this);
    }

    public SubscriberLink link() {
        return link;
    }

    /** The peer's role from SETUP (VIEWER until SETUP arrives). */
    public Role role() {
        return setup == null ? Role.VIEWER : setup.role();
    }

    public String peerNodeId() {
        return setup == null ? null : setup.nodeId();
    }

    public Heartbeat lastHeartbeat() {
        return lastHeartbeat;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * A control message from the peer. Protocol errors close this session (and only this one).
     */
    public void onControl(ControlMessage message) {
        if (closed) {
            return;
        }
        long backlog = link.controlBacklog();
        if (backlog > core.limits().maxControlBacklog()) {
            // It keeps talking but does not read what we answer: every message would grow the queue.
            String what = backlog + " bytes of control messages queued for it unread (limit "
                    + core.limits().maxControlBacklog() + ")";
            core.limitHit("control-backlog", link.describe(), "closed with LIMIT_EXCEEDED: " + what);
            close(ErrorCode.LIMIT_EXCEEDED, what);
            return;
        }
        try {
            handle(message);
        } catch (ProtocolException e) {
            fail(e);
        }
    }

    private void handle(ControlMessage message) {
        if (setup == null) {
            if (!(message instanceof Setup s)) {
                throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "expected SETUP, got " + message.type());
            }
            if (s.version() != Alpn.VERSION_1) {
                throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION,
                        "version " + s.version() + " is not supported; this relay speaks " + Alpn.VERSION_1);
            }
            // Before anything else is said to the peer: who it is (an open fleet admits everyone).
            AccessToken.Check admitted = core.admission().setup(s, access);
            if (!admitted.ok()) {
                core.admission().refused(admitted, link.describe(), "SETUP as " + s.role() + " '" + s.nodeId()
                        + "' closed");
                close(admitted.failure().code(), admitted.reason());
                return;
            }
            access = admitted.token();
            // The rule that keeps the tree free of cycles: a parent ranks strictly below its child. Rank 0 from a
            // relay means a hand-configured tree (--parent), or a controller session, which is not checked.
            if (s.role() == Role.RELAY && s.rank() != 0 && core.isDraining()) {
                throw new ProtocolException(ErrorCode.GOING_AWAY, core.nodeId() + " is draining: attach elsewhere");
            }
            if (s.role() == Role.RELAY && s.rank() != 0 && !Ranks.mayAdopt(core.rank(), s.rank())) {
                core.metrics().limitHit("rank");
                throw new ProtocolException(ErrorCode.RANK_REFUSED, core.nodeId() + " (rank " + core.rank()
                        + ") cannot adopt " + s.nodeId() + " (rank " + s.rank() + ")");
            }
            setup = s;
            link.send(new SetupOk(Alpn.VERSION_1, core.nodeId()));
            core.broadcasts().forEach((broadcast, live) -> link.send(new Announce(broadcast, live)));
            return;
        }
        switch (message) {
            case Subscribe subscribe -> subscribe(subscribe);
            case Unsubscribe unsubscribe -> {
                Subscription s = subscriptions.remove(unsubscribe.subscriptionId());
                waiting.remove(unsubscribe.subscriptionId());
                if (s != null) {
                    core.unsubscribe(s, ErrorCode.CANCELLED);
                }
            }
            case Heartbeat heartbeat -> {
                // Echoed, so that a child notices a parent that hangs even when no media flows.
                lastHeartbeat = heartbeat;
                link.send(heartbeat);
            }
            case ErrorMessage error -> LOG.info("{} reports {}: {}", link.describe(), error.code(), error.reason());
            case Join join -> toController(message);
            case Report report -> toController(message);
            case Repaired repaired -> toController(message);
            case GoAway goAway -> {
                if (controllerSession) {
                    toController(message);
                } else {
                    close(ErrorCode.NO_ERROR, "peer is going away");
                }
            }
            default -> throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION,
                    message.type() + " is not sent by a subscriber");
        }
    }

    private void toController(ControlMessage message) {
        AccessToken.Check allowed = core.admission().treeMessage(role(), access);
        if (!allowed.ok()) {
            core.admission().refused(allowed, link.describe(), message.type() + " from '" + peerNodeId() + "' closed");
            close(allowed.failure().code(), allowed.reason());
            return;
        }
        ControlPlane plane = core.controlPlane();
        if (plane == null) {
            throw new ProtocolException(ErrorCode.NOT_CONTROLLER, core.nodeId() + " is not the tree controller; send "
                    + message.type() + " to the ingest");
        }
        controllerSession = true;
        plane.onControl(this, message);
    }

    /** Whether the peer uses this session to talk to the tree controller (JOIN/REPORT). */
    public boolean isControllerSession() {
        return controllerSession;
    }

    /** The peer's SETUP (null before it arrives). */
    public Setup setup() {
        return setup;
    }

    /** The peer's checked access token (null when it has none, or in an open fleet). */
    public AccessToken access() {
        return access;
    }

    /**
     * A token the transport checked before SETUP (a WebTransport CONNECT's, with {@link Admission#viewer}): the
     * session is admitted as that token's viewer; a token in SETUP must then name the same broadcast.
     */
    public void authorize(AccessToken token) {
        if (setup == null) {
            access = token;
        }
    }

    private void subscribe(Subscribe request) {
        long id = request.subscriptionId();
        if (subscriptions.containsKey(id) || waiting.contains(id)) {
            throw new ProtocolException(ErrorCode.DUPLICATE_SUBSCRIPTION, "subscription id " + id + " is in use");
        }
        AccessToken.Check allowed = core.admission().subscribe(role(), access, request.track().broadcast());
        if (!allowed.ok()) {
            String what = "SUBSCRIBE to " + request.track() + " refused";
            if (subscriptionRefusalLogged) {
                core.metrics().authRefused(allowed.failure().tag());
            } else {
                subscriptionRefusalLogged = true;
                core.admission().refused(allowed, link.describe(), what);
            }
            refuse(id, allowed.failure().code(), allowed.reason());
            return;
        }
        int max = core.limits().maxSubscriptions();
        if (subscriptions.size() + waiting.size() >= max) {
            String what = "at most " + max + " subscriptions per session";
            if (subscriptionLimitLogged) {
                core.metrics().limitHit("subscriptions");
            } else {
                subscriptionLimitLogged = true;
                core.limitHit("subscriptions", link.describe(), "SUBSCRIBE refused with LIMIT_EXCEEDED: " + what);
            }
            refuse(id, ErrorCode.LIMIT_EXCEEDED, what);
            return;
        }
        waiting.add(id);
        core.subscribe(this, request);
    }

    /** The core accepted a subscription of ours. */
    void accepted(Subscription subscription) {
        waiting.remove(subscription.id());
        subscriptions.put(subscription.id(), subscription);
    }

    /** The core refused a subscription of ours. */
    void refuse(long id, ErrorCode code, String reason) {
        waiting.remove(id);
        if (!closed) {
            link.send(new SubscribeError(id, code, reason));
        }
    }

    /** A live subscription ended from above (e.g. upstream dropped the track). */
    void ended(Subscription subscription, ErrorCode code, String reason) {
        subscriptions.remove(subscription.id());
        if (!closed) {
            link.send(new SubscribeError(subscription.id(), code, reason));
        }
    }

    void announce(Announce announce) {
        if (setup != null && !closed) {
            link.send(announce);
        }
    }

    private void fail(ProtocolException e) {
        core.metrics().protocolError(e.code());
        if (e.code() == ErrorCode.MESSAGE_TOO_LARGE) {
            // A message over its type's maximum or over what we buffer for one session: a size limit too.
            core.metrics().limitHit("control-message");
        }
        LOG.warn("closing {}: {} ({})", link.describe(), e.getMessage(), e.code());
        close(e.code(), e.getMessage());
    }

    /** The transport reports a protocol error of this peer (e.g. a malformed control stream). */
    public void onProtocolError(ProtocolException e) {
        if (!closed) {
            fail(e);
        }
    }

    /** Closes the session from our side. */
    public void close(ErrorCode code, String reason) {
        if (closed) {
            return;
        }
        link.close(code, reason);
        onClosed();
    }

    /** The transport is gone: every subscription ends and its streams are released. */
    public void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        for (Subscription s : List.copyOf(subscriptions.values())) {
            core.unsubscribe(s, ErrorCode.CANCELLED);
        }
        subscriptions.clear();
        waiting.clear();
        core.unregister(this);
        if (controllerSession && core.controlPlane() != null) {
            core.controlPlane().onClosed(this);
        }
    }

    public int subscriptionCount() {
        return subscriptions.size();
    }

    @Override
    public String toString() {
        return "DownstreamSession[" + link.describe() + (setup == null ? "" : " " + setup.role() + " "
                + setup.nodeId()) + ", " + subscriptions.size() + " subscriptions]";
    }
}
