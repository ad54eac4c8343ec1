package dev.treecast.protocol.control;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * Where a subscription starts. {@link Latest}: the first object of the newest group (a keyframe, so a player
 * can start at once). {@link At}: a given group and object, so that a relay that changed parent resumes from
 * its last complete object + 1 without a gap.
 */
public sealed interface StartPosition {
    Latest LATEST = new Latest();

    /** The newest group, from its first object. Wire: {@code 0}. */
    record Latest() implements StartPosition {
    }

    /** Group {@code group}, object {@code object}. Wire: {@code 1 | group | object}. */
    record At(long group, long object) implements StartPosition {
        public At {
            if (group < 0 || group > Varint.MAX || object < 0 || object > Varint.MAX) {
                throw new IllegalArgumentException("position out of range: " + group + "/" + object);
            }
        }
    }

    static int encodedLength(StartPosition start) {
        return switch (start) {
            case Latest l -> 1;
            case At at -> 1 + Varint.encodedLength(at.group()) + Varint.encodedLength(at.object());
        };
    }

    static void encode(ByteBuf out, StartPosition start) {
        switch (start) {
            case Latest l -> Varint.write(out, 0);
            case At at -> {
                Varint.write(out, 1);
                Varint.write(out, at.group());
                Varint.write(out, at.object());
            }
        }
    }

    static StartPosition decode(ByteBuf in) {
        long kind = Varint.read(in, "SUBSCRIBE start");
        if (kind == 0) {
            return LATEST;
        }
        if (kind == 1) {
            return new At(Varint.read(in, "SUBSCRIBE start group"), Varint.read(in, "SUBSCRIBE start object"));
        }
        throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "unknown SUBSCRIBE start kind " + kind);
    }
}
