package dev.treecast.protocol.data;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * The header that opens every group stream (one unidirectional stream per subscription and group):
 * {@code stream type 0x01 | subscription id | group | priority}. Objects follow until FIN at the group's end.
 */
public record GroupHeader(long subscriptionId, long group, int priority) {
    /** The stream type of a {@code treecast/1} group stream. */
    public static final int STREAM_TYPE = 0x01;
    /** No header is longer than this: four varints, possibly not minimally encoded (RFC 9000 §16). */
    public static final int MAX_LENGTH = 4 * 8;

    public GroupHeader {
        if (subscriptionId < 0 || subscriptionId > Varint.MAX || group < 0 || group > Varint.MAX) {
            throw new IllegalArgumentException("group header out of range: " + subscriptionId + "/" + group);
        }
        if (priority < 0 || priority > 255) {
            throw new IllegalArgumentException("priority must be 0..255: " + priority);
        }
    }

    public int encodedLength() {
        return 1 + Varint.encodedLength(subscriptionId) + Varint.encodedLength(group)
                + Varint.encodedLength(priority);
    }

    public void encode(ByteBuf out) {
        Varint.write(out, STREAM_TYPE);
        Varint.write(out, subscriptionId);
        Varint.write(out, group);
        Varint.write(out, priority);
    }

    /**
     * Decodes a header from the start of {@code in}, or returns {@code null} (consuming nothing) when more bytes
     * are needed.
     *
     * @throws ProtocolException for an unknown stream type or an out-of-range priority
     */
    public static GroupHeader decode(ByteBuf in) {
        int index = in.readerIndex();
        long[] fields = new long[4];
        for (int i = 0; i < fields.length; i++) {
            if (!Varint.isComplete(in, index)) {
                if (i == 0 || fields[0] == STREAM_TYPE) {
                    return null;
                }
                break;
            }
            fields[i] = Varint.get(in, index);
            index += Varint.lengthAt(in, index);
            if (i == 0 && fields[0] != STREAM_TYPE) {
                throw new ProtocolException(ErrorCode.UNKNOWN_MESSAGE_TYPE,
                        "unknown stream type 0x" + Long.toHexString(fields[0]));
            }
        }
        if (fields[3] > 255) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "group priority " + fields[3] + " exceeds 255");
        }
        in.readerIndex(index);
        return new GroupHeader(fields[1], fields[2], (int) fields[3]);
    }
}
