package dev.treecast.protocol;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Length-prefixed UTF-8 strings: a varint byte count, then the bytes. Every field has its own maximum. */
public final class Strings {
    private Strings() {
    }

    public static int encodedLength(String value) {
        int bytes = ByteBufUtil.utf8Bytes(value);
        return Varint.encodedLength(bytes) + bytes;
    }

    public static void write(ByteBuf out, String value) {
        int bytes = ByteBufUtil.utf8Bytes(value);
        Varint.write(out, bytes);
        out.writeCharSequence(value, StandardCharsets.UTF_8);
    }

    /**
     * Reads a string of at most {@code maxBytes} UTF-8 bytes.
     *
     * @throws ProtocolException {@link ErrorCode#MALFORMED_MESSAGE} when too long, truncated or not UTF-8
     */
    public static String read(ByteBuf in, String field, int maxBytes) {
        long length = Varint.read(in, field + " length");
        if (length > maxBytes) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE,
                    field + " is " + length + " bytes, the limit is " + maxBytes);
        }
        if (length > in.readableBytes()) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "truncated " + field);
        }
        int n = (int) length;
        if (!ByteBufUtil.isText(in, in.readerIndex(), n, StandardCharsets.UTF_8)) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, field + " is not valid UTF-8");
        }
        String value = in.toString(in.readerIndex(), n, StandardCharsets.UTF_8);
        in.skipBytes(n);
        return value;
    }

    /** Checks a string the local side is about to send against the limit the peer will enforce. */
    public static String checkLength(String value, String field, int maxBytes) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        int bytes = ByteBufUtil.utf8Bytes(value);
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(field + " is " + bytes + " bytes, the limit is " + maxBytes);
        }
        return value;
    }
}
