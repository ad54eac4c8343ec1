package dev.treecast.protocol.moqlite;

import java.nio.charset.StandardCharsets;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/** Field readers and writers shared by the moq-lite messages: every violation is a {@link ProtocolException}. */
final class Fields {
    private Fields() {
    }

    static int u8(ByteBuf in, String field) {
        if (!in.isReadable()) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "truncated " + field);
        }
        return in.readUnsignedByte();
    }

    /** A one-byte boolean: 0 or 1, anything else is malformed (as {@code @moq/net} reads it). */
    static boolean bool(ByteBuf in, String field) {
        int v = u8(in, field);
        if (v > 1) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, field + " is " + v + ", not a boolean");
        }
        return v == 1;
    }

    static long varint(ByteBuf in, String field) {
        return Varint.read(in, field);
    }

    static long varint(ByteBuf in, String field, long max) {
        return Varint.read(in, field, max);
    }

    static String string(ByteBuf in, String field, int maxBytes) {
        return Strings.read(in, field, maxBytes);
    }

    /**
     * A broadcast path as {@code @moq/net} normalizes it: no leading, trailing or doubled slashes, at most
     * {@link MoqLite#MAX_PATH_PARTS} parts. A peer's path that is not normalized is accepted and normalized.
     */
    static String path(ByteBuf in, String field) {
        String raw = Strings.read(in, field, MoqLite.MAX_PATH);
        String path = normalize(raw);
        if (!path.isEmpty() && path.chars().filter(c -> c == '/').count() + 1 > MoqLite.MAX_PATH_PARTS) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, field + " has more than "
                    + MoqLite.MAX_PATH_PARTS + " parts");
        }
        return path;
    }

    static String normalize(String raw) {
        return raw.replaceAll("/+", "/").replaceAll("^/", "").replaceAll("/$", "");
    }

    static int stringLength(String value) {
        return Strings.encodedLength(value);
    }

    static void string(ByteBuf out, String value) {
        Strings.write(out, value);
    }

    static int utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A start or end group on the wire: 0 for none, else group + 1. */
    static long optionalGroup(java.util.OptionalLong group) {
        return group.isPresent() ? group.getAsLong() + 1 : 0;
    }

    static java.util.OptionalLong optionalGroup(ByteBuf in, String field) {
        long v = Varint.read(in, field);
        return v == 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(v - 1);
    }

    static void checkPriority(int priority) {
        if (priority < 0 || priority > 255) {
            throw new IllegalArgumentException("priority must be 0..255: " + priority);
        }
    }

    static void checkVarint(long value, String field) {
        if (value < 0 || value > Varint.MAX) {
            throw new IllegalArgumentException(field + " out of varint range: " + value);
        }
    }
}
