package dev.treecast.media;

import io.netty.buffer.ByteBuf;

/**
 * One complete top-level box as delivered by {@link BoxReader}: its type and all of its bytes, header included.
 *
 * <p>Ownership: a {@code Box} owns one reference to {@link #content()}. Whoever receives a box must eventually
 * call {@link #close()} (or hand the box to something documented to take ownership, such as
 * {@link CmafDemuxer#accept(Box)}). {@link #content()} is not retained for the caller: retain or copy it to keep it
 * past {@code close()}.
 */
public final class Box implements AutoCloseable {
    private final int type;
    private final int headerLength;
    private final long streamOffset;
    private final ByteBuf content;

    Box(int type, int headerLength, long streamOffset, ByteBuf content) {
        this.type = type;
        this.headerLength = headerLength;
        this.streamOffset = streamOffset;
        this.content = content;
    }

    /** The four-character box type, e.g. {@code "moof"}. */
    public String type() {
        return Fourcc.toString(type);
    }

    /** True when this box has the given four-character type. */
    public boolean is(String fourcc) {
        return type == Fourcc.of(fourcc);
    }

    int typeCode() {
        return type;
    }

    /** Total size in bytes, header included. */
    public int size() {
        return content.readableBytes();
    }

    /** Header length: 8, or 16 with a 64-bit largesize, plus 16 for a {@code uuid} box's user type. */
    public int headerLength() {
        return headerLength;
    }

    /** Offset of the box's first byte from the start of the stream fed to the reader. */
    public long streamOffset() {
        return streamOffset;
    }

    /**
     * The whole box (header and payload) as the readable bytes of a buffer owned by this box. Do not release it;
     * call {@link #close()} instead.
     */
    public ByteBuf content() {
        return content;
    }

    /** Releases this box's buffer. Call exactly once. */
    @Override
    public void close() {
        content.release();
    }

    @Override
    public String toString() {
        return "Box[" + type() + ", " + size() + " bytes at " + streamOffset + "]";
    }
}
