package dev.treecast.protocol;

import io.netty.buffer.ByteBuf;

/**
 * QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the length (1, 2, 4 or
 * 8 bytes), the rest is the value in network byte order, so values up to 2^62-1 fit.
 */
public final class Varint {
    /** The largest value a varint can carry: 2^62 - 1. */
    public static final long MAX = (1L << 62) - 1;

    private Varint() {
    }

    /** How many bytes {@code value} takes on the wire. */
    public static int encodedLength(long value) {
        if (value < 0 || value > MAX) {
            throw new IllegalArgumentException("varint out of range: " + value);
        }
        if (value < (1 << 6)) {
            return 1;
        }
        if (value < (1 << 14)) {
            return 2;
        }
        if (value < (1L << 30)) {
            return 4;
        }
        return 8;
    }

    /** Writes {@code value} in its shortest form. */
    public static void write(ByteBuf out, long value) {
        switch (encodedLength(value)) {
            case 1 -> out.writeByte((int) value);
            case 2 -> out.writeShort((int) (0x4000 | value));
            case 4 -> out.writeInt((int) (0x8000_0000L | value));
            default -> out.writeLong(0xC000_0000_0000_0000L | value);
        }
    }

    /** The length of the varint whose first byte is at {@code index}; the byte must be readable. */
    public static int lengthAt(ByteBuf in, int index) {
        return 1 << ((in.getByte(index) & 0xFF) >>> 6);
    }

    /** Whether a whole varint is readable at {@code index}. */
    public static boolean isComplete(ByteBuf in, int index) {
        return in.writerIndex() > index && in.writerIndex() - index >= lengthAt(in, index);
    }

    /** Reads the varint at {@code index} without moving the reader index; it must be complete. */
    public static long get(ByteBuf in, int index) {
        return switch (lengthAt(in, index)) {
            case 1 -> in.getByte(index) & 0x3F;
            case 2 -> in.getShort(index) & 0x3FFF;
            case 4 -> in.getInt(index) & 0x3FFF_FFFFL;
            default -> in.getLong(index) & 0x3FFF_FFFF_FFFF_FFFFL;
        };
    }

    /**
     * Reads a varint, moving the reader index past it.
     *
     * @throws ProtocolException {@link ErrorCode#MALFORMED_MESSAGE} if the buffer ends inside the varint
     */
    public static long read(ByteBuf in, String field) {
        int index = in.readerIndex();
        if (!isComplete(in, index)) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "truncated varint in " + field);
        }
        long value = get(in, index);
        in.skipBytes(lengthAt(in, index));
        return value;
    }

    /** Reads a varint that must fit in {@code [0, max]}; larger values are a protocol error. */
    public static long read(ByteBuf in, String field, long max) {
        long value = read(in, field);
        if (value > max) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, field + " " + value + " exceeds " + max);
        }
        return value;
    }
}
