package dev.treecast.gateway.webtransport;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * The few bytes that open a WebTransport stream inside HTTP/3 (draft-ietf-webtrans-http3-02 §4.1, §4.2). Pure: no
 * I/O, no state.
 * <ul>
 * <li>Unidirectional: {@code stream type 0x54 (varint) | session id (varint)}, then the payload.</li>
 * <li>Bidirectional, opened by the client: {@code signal 0x41 (varint) | session id (varint)}, then the payload.
 * HTTP/3 would read 0x41 as a frame type, so the prefix must be recognised before the HTTP/3 codec sees the
 * bytes; {@link #sniffBidirectional} does that without consuming anything.</li>
 * </ul>
 * The session id is the stream id of the extended CONNECT request stream that created the session.
 */
public final class StreamPrefix {
    /** HTTP/3 unidirectional stream type of a WebTransport stream (WEBTRANSPORT_STREAM, draft-02 §4.1). */
    public static final long UNIDIRECTIONAL_TYPE = 0x54;
    /** The signal value that opens a bidirectional WebTransport stream (WEBTRANSPORT_STREAM, draft-02 §4.2). */
    public static final long BIDIRECTIONAL_SIGNAL = 0x41;
    /** No prefix is longer than this: two varints of at most 8 bytes. */
    public static final int MAX_LENGTH = 16;

    /** What the first bytes of a peer's bidirectional stream say. */
    public sealed interface Sniff {
    }

    /** Not enough bytes yet to tell. */
    public record NeedMore() implements Sniff {
    }

    /** Not a WebTransport stream: an ordinary HTTP/3 request stream; hand the bytes to HTTP/3 untouched. */
    public record Http3() implements Sniff {
    }

    /** A WebTransport stream of session {@code sessionId}; the payload starts after {@code length} bytes. */
    public record WebTransport(long sessionId, int length) implements Sniff {
    }

    public static final NeedMore NEED_MORE = new NeedMore();
    public static final Http3 HTTP3 = new Http3();

    private StreamPrefix() {
    }

    /** The size of a unidirectional stream's prefix for {@code sessionId}. */
    public static int unidirectionalLength(long sessionId) {
        return Varint.encodedLength(UNIDIRECTIONAL_TYPE) + Varint.encodedLength(sessionId);
    }

    /** Writes the prefix of a unidirectional WebTransport stream of {@code sessionId}. */
    public static void writeUnidirectional(ByteBuf out, long sessionId) {
        Varint.write(out, UNIDIRECTIONAL_TYPE);
        Varint.write(out, sessionId);
    }

    /** The size of a bidirectional stream's prefix for {@code sessionId}. */
    public static int bidirectionalLength(long sessionId) {
        return Varint.encodedLength(BIDIRECTIONAL_SIGNAL) + Varint.encodedLength(sessionId);
    }

    /** Writes the prefix of a bidirectional WebTransport stream of {@code sessionId} (what a client sends). */
    public static void writeBidirectional(ByteBuf out, long sessionId) {
        Varint.write(out, BIDIRECTIONAL_SIGNAL);
        Varint.write(out, sessionId);
    }

    /**
     * Looks at the readable bytes of a peer-opened bidirectional stream, consuming nothing. Any varint encoding of
     * the signal counts (RFC 9000 §16 allows non-minimal encodings); everything else is HTTP/3.
     */
    public static Sniff sniffBidirectional(ByteBuf in) {
        int index = in.readerIndex();
        if (!Varint.isComplete(in, index)) {
            return NEED_MORE;
        }
        if (Varint.get(in, index) != BIDIRECTIONAL_SIGNAL) {
            return HTTP3;
        }
        int sessionIndex = index + Varint.lengthAt(in, index);
        if (!Varint.isComplete(in, sessionIndex)) {
            return NEED_MORE;
        }
        long sessionId = Varint.get(in, sessionIndex);
        int end = sessionIndex + Varint.lengthAt(in, sessionIndex);
        return new WebTransport(sessionId, end - index);
    }
}
