package dev.treecast.protocol.moqlite;

import java.util.List;

/**
 * Constants of moq-lite-05 (draft-lcurley-moq-lite-05, as spoken by {@code @moq/net} 0.2.8): the version, the
 * WebTransport subprotocol that selects it, the stream types and the limits this codec enforces.
 *
 * <p>moq-lite has no message type field of its own: what a message is follows from the stream it is on and its
 * place there. Every message is {@code size (varint) | body}; integers are QUIC varints (RFC 9000 §16) except the
 * one-byte priority, boolean and announce status fields.
 */
public final class MoqLite {
    /** moq-lite-05's version number (not sent on the wire: the subprotocol selects it). */
    public static final long VERSION_05 = 0xff0dad05L;
    /** The WebTransport subprotocol (and raw QUIC ALPN) of moq-lite-05. */
    public static final String PROTOCOL_05 = "moq-lite-05";
    /** The subprotocols this codec speaks, most preferred first. */
    public static final List<String> PROTOCOLS = List.of(PROTOCOL_05);

    // Bidirectional streams opened by the subscriber start with one of these (lite-05 §4).
    public static final int STREAM_ANNOUNCE = 1;
    public static final int STREAM_SUBSCRIBE = 2;
    public static final int STREAM_FETCH = 3;
    public static final int STREAM_PROBE = 4;
    public static final int STREAM_GOAWAY = 5;
    public static final int STREAM_TRACK = 6;

    // Unidirectional streams start with one of these.
    public static final int DATA_GROUP = 0;
    public static final int DATA_SETUP = 1;

    // SUBSCRIBE stream responses (publisher to subscriber): a type, then a sized message.
    public static final int RESPONSE_START = 0;
    public static final int RESPONSE_END = 1;
    public static final int RESPONSE_DROP = 2;

    /** Announce status byte (pre-lite-06 ANNOUNCE body). */
    public static final int STATUS_ENDED = 0;
    public static final int STATUS_ACTIVE = 1;
    /** lite-05 accepts an explicit restart on decode and treats it as active. */
    public static final int STATUS_RESTART = 2;

    /** The largest control message body we accept (the peer's messages are names and a few integers). */
    public static final int MAX_MESSAGE = 4096;
    /** Broadcast paths and track names: {@code @moq/net} splits paths into at most 32 parts. */
    public static final int MAX_PATH = 1024;
    public static final int MAX_TRACK = 1024;
    public static final int MAX_PATH_PARTS = 32;
    /** Hops in an announcement's chain (MAX_HOPS of {@code @moq/net}). */
    public static final int MAX_HOPS = 32;
    /** Parameters in a SETUP, as the reference decoder caps it. */
    public static final int MAX_PARAMETERS = 64;
    /** One SETUP parameter's value. */
    public static final int MAX_PARAMETER_VALUE = 1024;
    /** GOAWAY's URI. */
    public static final int MAX_URI = 2048;

    private MoqLite() {
    }

    /** Zigzag-encodes a signed delta as an unsigned varint value (frame timestamps, lite-05 §6.3). */
    public static long zigzag(long value) {
        return (value << 1) ^ (value >> 63);
    }

    /** The inverse of {@link #zigzag}. */
    public static long unzigzag(long value) {
        return (value >>> 1) ^ -(value & 1);
    }
}
