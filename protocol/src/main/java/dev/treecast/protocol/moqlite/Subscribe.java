package dev.treecast.protocol.moqlite;

import java.util.OptionalLong;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * SUBSCRIBE (lite-05, first message of a subscribe stream, type {@link MoqLite#STREAM_SUBSCRIBE}). Body:
 * {@code id (varint) | broadcast (string) | track (string) | priority (u8) | ordered (u8 bool) |
 * max latency (varint, ms) | start group + 1 (varint, 0 = the latest) | end group + 1 (varint, 0 = open)}.
 * Accepted implicitly: the publisher answers with {@link SubscribeResponse}s on the same stream and sends groups on
 * unidirectional streams naming {@code id}.
 */
public record Subscribe(long id, String broadcast, String track, int priority, boolean ordered,
                        long maxLatencyMillis, OptionalLong startGroup, OptionalLong endGroup) implements LiteMessage {
    public Subscribe {
        Fields.checkVarint(id, "subscribe id");
        broadcast = Fields.normalize(broadcast);
        Fields.checkPriority(priority);
        Fields.checkVarint(maxLatencyMillis, "max latency");
        SubscribeUpdate.checkGroup(startGroup, "start group");
        SubscribeUpdate.checkGroup(endGroup, "end group");
    }

    @Override
    public int bodyLength() {
        return Varint.encodedLength(id) + Fields.stringLength(broadcast) + Fields.stringLength(track) + 2
                + Varint.encodedLength(maxLatencyMillis) + Varint.encodedLength(Fields.optionalGroup(startGroup))
                + Varint.encodedLength(Fields.optionalGroup(endGroup));
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Varint.write(out, id);
        Fields.string(out, broadcast);
        Fields.string(out, track);
        out.writeByte(priority);
        out.writeByte(ordered ? 1 : 0);
        Varint.write(out, maxLatencyMillis);
        Varint.write(out, Fields.optionalGroup(startGroup));
        Varint.write(out, Fields.optionalGroup(endGroup));
    }

    public static Subscribe decode(ByteBuf body) {
        long id = Fields.varint(body, "SUBSCRIBE id");
        String broadcast = Fields.path(body, "SUBSCRIBE broadcast");
        String track = Fields.string(body, "SUBSCRIBE track", MoqLite.MAX_TRACK);
        int priority = Fields.u8(body, "SUBSCRIBE priority");
        boolean ordered = Fields.bool(body, "SUBSCRIBE ordered");
        long latency = Fields.varint(body, "SUBSCRIBE max latency");
        OptionalLong start = Fields.optionalGroup(body, "SUBSCRIBE start group");
        OptionalLong end = Fields.optionalGroup(body, "SUBSCRIBE end group");
        return new Subscribe(id, broadcast, track, priority, ordered, latency, start, end);
    }
}
