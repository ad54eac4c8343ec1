package dev.treecast.protocol.data;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Reads one group stream incrementally: the {@link GroupHeader}, then whole objects. Each object is copied once
 * into its own buffer of exactly its wire size (one copy per hop, none per subscriber), so the caller can cache
 * and fan it out without keeping the receive buffers alive. Pure: fed bytes, calls the sink, does no I/O.
 *
 * <p>Not thread-safe: one decoder per stream, used by the stream's owner thread.
 */
public final class GroupStreamDecoder {
    /** Receives what the decoder reads. Ownership of each {@link ObjectFrame} passes to the sink. */
    public interface Sink {
        void onHeader(GroupHeader header);

        void onObject(ObjectFrame object);
    }

    /** No group or object header is longer than this: four varints of at most 8 bytes (RFC 9000 §16 allows
     * non-minimal encodings). */
    private static final int MAX_HEADER = 4 * 8;
    /** Hard ceiling for {@code maxPayload}, so that an object's size always fits an int. */
    public static final int MAX_PAYLOAD_LIMIT = 256 << 20;

    private final ByteBufAllocator alloc;
    private final int maxPayload;
    private GroupHeader header;
    private ByteBuf partial;
    private ByteBuf stash;
    private long lastSequence = -1;

    public GroupStreamDecoder(ByteBufAllocator alloc, int maxPayload) {
        if (maxPayload < 0 || maxPayload > MAX_PAYLOAD_LIMIT) {
            throw new IllegalArgumentException("maxPayload must be 0.." + MAX_PAYLOAD_LIMIT + ": " + maxPayload);
        }
        this.alloc = alloc;
        this.maxPayload = maxPayload;
    }

    /** The stream's header, once read. */
    public GroupHeader header() {
        return header;
    }

    /**
     * Consumes all of {@code in}; bytes of a header split across calls are kept until the rest arrives. Does not
     * release {@code in}.
     *
     * @throws ProtocolException for a bad header, an oversize object or out-of-order sequence numbers; the
     *                           stream must then be stopped with {@link ProtocolException#code()}
     */
    public void decode(ByteBuf in, Sink sink) {
        for (;;) {
            if (partial != null && !partial.isWritable()) {
                ByteBuf wire = partial;
                partial = null;
                sink.onObject(ObjectFrame.wrap(wire));
            }
            ByteBuf src = stash != null && stash.isReadable() ? stash : in;
            if (!src.isReadable()) {
                return;
            }
            if (partial != null) {
                partial.writeBytes(src, Math.min(partial.writableBytes(), src.readableBytes()));
                continue;
            }
            if (readHeader(src, sink)) {
                continue;
            }
            // The header is incomplete: keep its bytes (never more than a header's worth) until more arrive.
            if (stash == null) {
                stash = Unpooled.buffer(2 * MAX_HEADER, 2 * MAX_HEADER);
            }
            stash.discardReadBytes();
            if (src == in) {
                stash.writeBytes(in);
                return;
            }
            if (!in.isReadable()) {
                return;
            }
            stash.writeBytes(in, Math.min(in.readableBytes(), stash.writableBytes()));
        }
    }

    /** Reads the next group or object header from {@code src}; false (consuming nothing) if incomplete. */
    private boolean readHeader(ByteBuf src, Sink sink) {
        if (header == null) {
            GroupHeader h = GroupHeader.decode(src);
            if (h == null) {
                return false;
            }
            header = h;
            sink.onHeader(h);
            return true;
        }
        return startObject(src);
    }

    private boolean startObject(ByteBuf in) {
        int index = in.readerIndex();
        long[] fields = new long[4];
        for (int i = 0; i < fields.length; i++) {
            if (!Varint.isComplete(in, index)) {
                return false;
            }
            fields[i] = Varint.get(in, index);
            index += Varint.lengthAt(in, index);
        }
        long sequence = fields[0];
        long sigLength = fields[2];
        long length = fields[3];
        if (sigLength > ObjectFrame.MAX_SIGNATURE) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "object signature of " + sigLength + " bytes exceeds " + ObjectFrame.MAX_SIGNATURE);
        }
        if (length > maxPayload) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "object payload of " + length + " bytes exceeds the limit of " + maxPayload);
        }
        if (sequence <= lastSequence) {
            throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "object sequence " + sequence
                    + " after " + lastSequence + " in group " + header.group());
        }
        lastSequence = sequence;
        int headerLength = index - in.readerIndex();
        int total = headerLength + (int) sigLength + (int) length;
        partial = alloc.directBuffer(total, total);
        partial.writeBytes(in, headerLength);
        return true;
    }

    /** Whether the decoder is between objects (a FIN here ends the group cleanly). */
    public boolean isAtBoundary() {
        return header != null && partial == null && (stash == null || !stash.isReadable());
    }

    /**
     * The peer finished the stream (FIN).
     *
     * @throws ProtocolException {@link ErrorCode#TRUNCATED} if the stream ended inside the header or an object
     */
    public void finish() {
        if (!isAtBoundary()) {
            String where = header == null ? "the group header" : "object " + lastSequence + " of group "
                    + header.group();
            release();
            throw new ProtocolException(ErrorCode.TRUNCATED, "group stream ended inside " + where);
        }
        release();
    }

    /** Drops a partly read object; call when the stream is reset or closed. */
    public void release() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
        if (stash != null) {
            stash.release();
            stash = null;
        }
    }
}
