package dev.treecast.relay.core;

import java.time.Duration;

import dev.treecast.protocol.control.MessageType;

/**
 * What one downstream peer may cost a relay, whatever it sends. Each limit, when hit, closes (or refuses) only that
 * peer with a clear error code, is counted ({@code treecast.relay.limits.hit}, tag {@code limit}) and logged at
 * WARN at most once per peer. The QUIC-level limits (streams a peer may open, receive windows, the idle timeout)
 * are the relay's downstream {@link dev.treecast.transport.QuicSettings}.
 *
 * @param maxSessions       QUIC connections served at once on the relay's own port (child relays, native viewers,
 *                          controller sessions at the root); one more is closed with LIMIT_EXCEEDED once its TLS
 *                          handshake completes. Limit {@code sessions}.
 * @param handshakeTimeout  from a connection's first packet to its SETUP; a connection that has not sent SETUP by
 *                          then is closed with TIMEOUT. Limit {@code handshake-timeout}.
 * @param maxSubscriptions  subscriptions one session may hold; one more is refused with SUBSCRIBE_ERROR
 *                          LIMIT_EXCEEDED (the session stays). Limit {@code subscriptions}.
 * @param maxControlBuffer  bytes of incoming control stream data buffered for one session while a message is
 *                          incomplete: a message whose length prefix says it will not fit is refused with
 *                          MESSAGE_TOO_LARGE before its payload is buffered, as is one over its type's maximum
 *                          ({@link MessageType#maxPayload()}). Limit {@code control-message}.
 * @param maxControlBacklog bytes of our control messages queued for a peer that does not read them (QUIC took no
 *                          more: its stream window is full); a peer that keeps talking past it is closed with
 *                          LIMIT_EXCEEDED. Limit {@code control-backlog}.
 */
public record Limits(int maxSessions, Duration handshakeTimeout, int maxSubscriptions, int maxControlBuffer,
                     int maxControlBacklog) {

    /**
     * The largest control message a subscriber sends with its prefix: ERROR and SETUP (1200 bytes of payload, SETUP
     * for its access token); JOIN, REPORT and SUBSCRIBE are at most 1024. The larger types (PLACEMENT, BACKUPS) only
     * ever travel downstream.
     */
    public static final int LARGEST_SUBSCRIBER_MESSAGE = MessageType.ERROR.maxPayload() + 16;

    /**
     * 10,000 sessions: about what one relay thread serves (the root also holds one controller session per relay
     * of the fleet); 10 s to SETUP: what a client waits for its own set-up, and the idle timeout, since a viewer
     * of a flash crowd on an overloaded relay is still a viewer (5 s cut off honest ones in tests on two busy
     * cores); 64 subscriptions: a player takes 2 to 4 tracks, a child relay one per track of the broadcasts below
     * it; 4 KiB of control input: three times the largest message a subscriber sends; 64 KiB of unread control
     * output: a few minutes of a viewer's heartbeat echoes.
     */
    public static final Limits DEFAULT = new Limits(10_000, Duration.ofSeconds(10), 64, 4096, 64 << 10);

    public Limits {
        if (maxSessions < 1 || maxSubscriptions < 1) {
            throw new IllegalArgumentException("max sessions and subscriptions must be at least 1: " + maxSessions
                    + ", " + maxSubscriptions);
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive: " + handshakeTimeout);
        }
        if (maxControlBuffer < LARGEST_SUBSCRIBER_MESSAGE) {
            throw new IllegalArgumentException("the control buffer (" + maxControlBuffer + " bytes) must hold the"
                    + " largest message a subscriber sends (" + LARGEST_SUBSCRIBER_MESSAGE + ")");
        }
        if (maxControlBacklog < 1024) {
            throw new IllegalArgumentException("control backlog must be at least 1 KiB: " + maxControlBacklog);
        }
    }

    public Limits withMaxSessions(int value) {
        return new Limits(value, handshakeTimeout, maxSubscriptions, maxControlBuffer, maxControlBacklog);
    }

    public Limits withHandshakeTimeout(Duration value) {
        return new Limits(maxSessions, value, maxSubscriptions, maxControlBuffer, maxControlBacklog);
    }

    public Limits withMaxSubscriptions(int value) {
        return new Limits(maxSessions, handshakeTimeout, value, maxControlBuffer, maxControlBacklog);
    }

    public Limits withMaxControlBuffer(int value) {
        return new Limits(maxSessions, handshakeTimeout, maxSubscriptions, value, maxControlBacklog);
    }

    public Limits withMaxControlBacklog(int value) {
        return new Limits(maxSessions, handshakeTimeout, maxSubscriptions, maxControlBuffer, value);
    }
}
