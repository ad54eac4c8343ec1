package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * ANNOUNCE_OK (lite-05, publisher's first message on an announce stream): the publisher's origin id (never 0: the
 * subscriber appends it to every hop chain) and how many ANNOUNCE messages describing the current state follow
 * at once. Body: {@code origin (varint) | active (varint)}.
 */
public record AnnounceOk(long origin, long active) implements LiteMessage {
    public AnnounceOk {
        if (origin <= 0 || origin > Varint.MAX) {
            throw new IllegalArgumentException("origin must be a non-zero varint: " + origin);
        }
        Fields.checkVarint(active, "active");
    }

    @Override
    public int bodyLength() {
        return Varint.encodedLength(origin) + Varint.encodedLength(active);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Varint.write(out, origin);
        Varint.write(out, active);
    }

    public static AnnounceOk decode(ByteBuf body) {
        long origin = Fields.varint(body, "ANNOUNCE_OK origin");
        if (origin == 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "ANNOUNCE_OK origin must be non-zero");
        }
        return new AnnounceOk(origin, Fields.varint(body, "ANNOUNCE_OK active"));
    }
}
