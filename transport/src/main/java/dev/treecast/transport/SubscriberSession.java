package dev.treecast.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.OptionalLong;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The subscribing side of a {@code treecast/1} session, whatever carries it: raw QUIC ({@link ClientSession}) or a
 * WebTransport session over HTTP/3 (the gateway module's client). Code that only subscribes and receives (viewers,
 * load tests) is written against this and does not care which transport it got. Both carry the same conversation,
 * a {@link SubscriberProtocol}, and differ only in how the connection, its streams and its closing work.
 *
 * <p>All callbacks run on {@link #eventLoop()}; the methods may be called from any thread.
 */
public interface SubscriberSession {

    /**
     * Subscribes to {@code track}; returns the subscription id. {@code listener} is called on the event loop.
     */
    long subscribe(TrackName track, StartPosition start, int priority, SubscriptionListener listener);

    /** Ends a subscription; objects already in flight for it are dropped. */
    void unsubscribe(long subscriptionId);

    /** Sends any control message (e.g. a HEARTBEAT with load figures). */
    void send(ControlMessage message);

    /** Closes the session with {@code code}; for an error, an ERROR message carrying {@code reason} goes first. */
    void close(ErrorCode code, String reason);

    /** Closes the session cleanly. */
    default void close() {
        close(ErrorCode.NO_ERROR, "closed");
    }

    /** Whether the session is up (SETUP_OK received, not closed). */
    boolean isOpen();

    /** The peer's node id from SETUP_OK, or null before it. */
    String peerNodeId();

    /** Where the session goes. */
    InetSocketAddress remoteAddress();

    /** The thread that runs this session's callbacks. */
    EventLoop eventLoop();

    /** Completes when the underlying connection is closed. */
    Future<Void> closeFuture();

    /**
     * Session-level events.
     *
     * @param <S> the session type the listener is given (a listener for any transport takes
     *            {@code SubscriberSession})
     */
    interface Listener<S extends SubscriberSession> {
        /** A control message other than the subscription replies (ANNOUNCE, BACKUPS, MOVE, GOAWAY, ...). */
        default void onControl(S session, ControlMessage message) {
        }

        /** The session ended: {@code code} is the peer's close code if it closed, else why it ended here. */
        default void onClosed(S session, ErrorCode code, String reason) {
        }
    }

    /** Events of one subscription, in order: reply, then objects and group ends. */
    interface SubscriptionListener {
        void onSubscribed(OptionalLong latestGroup);

        void onSubscribeError(ErrorCode code, String reason);

        /** One whole object of {@code group}; ownership of {@code object} passes to the listener. */
        void onObject(long group, ObjectFrame object);

        /** {@code group}'s stream ended: {@link ErrorCode#NO_ERROR} after FIN, else the reset or loss reason. */
        void onGroupEnd(long group, ErrorCode code);
    }

    /**
     * @param nodeId     who we are, sent in SETUP
     * @param heartbeat  interval of HEARTBEAT messages (they also keep an idle session open); zero for none
     * @param maxPayload largest object payload accepted
     * @param rank       our rank in the tree, sent in SETUP (a relay's parent checks it; viewers send 0)
     * @param token      our access token, sent in SETUP: a relay's fleet token, a viewer's ticket ("" for none;
     *                   see {@link dev.treecast.protocol.auth.AccessToken})
     */
    record Options(String nodeId, Role role, Duration heartbeat, int maxPayload, long rank, String token) {
        public Options {
            token = token == null ? "" : token;
        }

        /** Without a token. */
        public Options(String nodeId, Role role, Duration heartbeat, int maxPayload, long rank) {
            this(nodeId, role, heartbeat, maxPayload, rank, "");
        }

        public static Options viewer(String nodeId) {
            return new Options(nodeId, Role.VIEWER, Duration.ofSeconds(2), ObjectFrame.DEFAULT_MAX_PAYLOAD, 0);
        }

        public static Options relay(String nodeId) {
            return new Options(nodeId, Role.RELAY, Duration.ofSeconds(1), ObjectFrame.DEFAULT_MAX_PAYLOAD, 0);
        }

        public Options withRank(long value) {
            return new Options(nodeId, role, heartbeat, maxPayload, value, token);
        }

        /** With {@code value} as the access token sent in SETUP (null or "" for none). */
        public Options withToken(String value) {
            return new Options(nodeId, role, heartbeat, maxPayload, rank, value);
        }

        /** Never shows the token: it is a bearer credential. */
        @Override
        public String toString() {
            return "Options[nodeId=" + nodeId + ", role=" + role + ", heartbeat=" + heartbeat + ", maxPayload="
                    + maxPayload + ", rank=" + rank + (token.isEmpty() ? "" : ", with a token") + "]";
        }
    }

    /** Why a session could not start or ended. */
    final class SessionClosedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final ErrorCode code;

        public SessionClosedException(ErrorCode code, String reason) {
            super(code + ": " + reason);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }
}
