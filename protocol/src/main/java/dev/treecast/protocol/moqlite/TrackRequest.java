package dev.treecast.protocol.moqlite;

import io.netty.buffer.ByteBuf;

/**
 * TRACK (lite-05, the subscriber's only message on a track stream, type {@link MoqLite#STREAM_TRACK}): asks for a
 * track's fixed properties, answered by one {@link TrackInfo} and FIN. Body: {@code broadcast (string) |
 * track (string)}.
 */
public record TrackRequest(String broadcast, String track) implements LiteMessage {
    public TrackRequest {
        broadcast = Fields.normalize(broadcast);
    }

    @Override
    public int bodyLength() {
        return Fields.stringLength(broadcast) + Fields.stringLength(track);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Fields.string(out, broadcast);
        Fields.string(out, track);
    }

    public static TrackRequest decode(ByteBuf body) {
        String broadcast = Fields.path(body, "TRACK broadcast");
        return new TrackRequest(broadcast, Fields.string(body, "TRACK track", MoqLite.MAX_TRACK));
    }
}
