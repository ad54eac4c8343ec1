package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * FETCH (lite-05, the subscriber's only message on a fetch stream, type {@link MoqLite#STREAM_FETCH}): one group of
 * a track, answered on the same stream with its frames and FIN. Body: {@code broadcast (string) | track (string) |
 * priority (u8) | group (varint)}.
 */
public record Fetch(String broadcast, String track, int priority, long group) implements LiteMessage {
    public Fetch {
        broadcast = Fields.normalize(broadcast);
        Fields.checkPriority(priority);
        Fields.checkVarint(group, "group");
    }

    @Override
    public int bodyLength() {
        return Fields.stringLength(broadcast) + Fields.stringLength(track) + 1 + Varint.encodedLength(group);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Fields.string(out, broadcast);
        Fields.string(out, track);
        out.writeByte(priority);
        Varint.write(out, group);
    }

    public static Fetch decode(ByteBuf body) {
        String broadcast = Fields.path(body, "FETCH broadcast");
        String track = Fields.string(body, "FETCH track", MoqLite.MAX_TRACK);
        int priority = Fields.u8(body, "FETCH priority");
        return new Fetch(broadcast, track, priority, Fields.varint(body, "FETCH group"));
    }
}
