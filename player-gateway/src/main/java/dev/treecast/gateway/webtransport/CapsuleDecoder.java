package dev.treecast.gateway.webtransport;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Reads capsules (RFC 9297 §3.2) from the body of a CONNECT stream, whatever way the bytes are split across
 * DATA frames. Unknown capsules (GREASE and the like, RFC 9297 §3.3: "endpoints MUST ignore unknown capsule types")
 * are skipped as they stream past, however long; only a CLOSE_WEBTRANSPORT_SESSION is buffered, and it is
 * bounded. Pure: fed bytes, calls the sink, does no I/O.
 *
 * <p>Not thread-safe: one decoder per CONNECT stream, used by the stream's owner thread.
 */
public final class CapsuleDecoder {
    /** Receives each capsule as soon as its header (unknown types) or its whole value (CLOSE) is read. */
    public interface Sink {
        void onCapsule(Capsule capsule);
    }

    private static final int MAX_HEADER = 2 * 8;
    private static final int CAPACITY = MAX_HEADER + Capsule.CloseSession.MAX_VALUE;

    private ByteBuf pending = Unpooled.buffer(MAX_HEADER, CAPACITY);
    private long skipping;
    private boolean closeRead;

    /**
     * Consumes all of {@code in} (without releasing it).
     *
     * @throws ProtocolException {@link ErrorCode#MALFORMED_MESSAGE} for a malformed CLOSE_WEBTRANSPORT_SESSION or
     *                           any byte after one (draft-02 §5: the sender FINs right after it),
     *                           {@link ErrorCode#MESSAGE_TOO_LARGE} for a CLOSE longer than the spec allows
     */
    public void decode(ByteBuf in, Sink sink) {
        if (pending == null) {
            in.skipBytes(in.readableBytes());
            return;
        }
        for (;;) {
            if (skipping > 0) {
                skip(pending);
                skip(in);
                if (skipping > 0) {
                    return;
                }
                continue;
            }
            if (closeRead && (pending.isReadable() || in.isReadable())) {
                throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE,
                        "bytes after CLOSE_WEBTRANSPORT_SESSION");
            }
            int start = pending.readerIndex();
            if (!headerComplete(start)) {
                if (!fill(in, MAX_HEADER - pending.readableBytes())) {
                    return;
                }
                continue;
            }
            long type = Varint.get(pending, start);
            int lengthIndex = start + Varint.lengthAt(pending, start);
            long length = Varint.get(pending, lengthIndex);
            int headerLength = lengthIndex + Varint.lengthAt(pending, lengthIndex) - start;
            if (type != Capsule.CLOSE_WEBTRANSPORT_SESSION) {
                pending.skipBytes(headerLength);
                skipping = length;
                sink.onCapsule(new Capsule.Unknown(type, length));
                continue;
            }
            if (length > Capsule.CloseSession.MAX_VALUE) {
                throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, "CLOSE_WEBTRANSPORT_SESSION of " + length
                        + " bytes exceeds " + Capsule.CloseSession.MAX_VALUE);
            }
            if (length < 4) {
                throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE,
                        "CLOSE_WEBTRANSPORT_SESSION of " + length + " bytes has no room for its error code");
            }
            int total = headerLength + (int) length;
            if (pending.readableBytes() < total) {
                if (!fill(in, total - pending.readableBytes())) {
                    return;
                }
                continue;
            }
            pending.skipBytes(headerLength);
            long code = pending.readUnsignedInt();
            String reason = utf8(pending, (int) length - 4);
            closeRead = true;
            pending.discardReadBytes();
            sink.onCapsule(new Capsule.CloseSession(code, reason));
        }
    }

    /** Whether a CLOSE_WEBTRANSPORT_SESSION has been read. */
    public boolean isClosed() {
        return closeRead;
    }

    /**
     * The peer FINed the stream.
     *
     * @throws ProtocolException {@link ErrorCode#TRUNCATED} if it ended inside a capsule (RFC 9297 §3.3: a
     *                           truncated capsule makes the message malformed)
     */
    public void finish() {
        boolean inside = skipping > 0 || (pending != null && pending.isReadable());
        release();
        if (inside) {
            throw new ProtocolException(ErrorCode.TRUNCATED, "CONNECT stream ended inside a capsule");
        }
    }

    /** Drops what is buffered; call when the stream ends any way. */
    public void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    private boolean headerComplete(int start) {
        return Varint.isComplete(pending, start)
                && Varint.isComplete(pending, start + Varint.lengthAt(pending, start));
    }

    /** Moves up to {@code wanted} bytes from {@code in} to {@link #pending}; false if {@code in} had none. */
    private boolean fill(ByteBuf in, int wanted) {
        if (!in.isReadable()) {
            return false;
        }
        pending.discardReadBytes();
        pending.writeBytes(in, Math.min(wanted, in.readableBytes()));
        return true;
    }

    private void skip(ByteBuf from) {
        int n = (int) Math.min(skipping, from.readableBytes());
        from.skipBytes(n);
        skipping -= n;
    }

    private static String utf8(ByteBuf in, int length) {
        ByteBuffer bytes = in.nioBuffer(in.readerIndex(), length);
        in.skipBytes(length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE,
                    "CLOSE_WEBTRANSPORT_SESSION reason is not UTF-8");
        }
    }
}
