package dev.treecast.protocol.moqlite;

import java.util.OptionalLong;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * SUBSCRIBE_UPDATE (lite-05, subscriber to publisher, any later message on a subscribe stream): new preferences for
 * the subscription. Body: {@code priority (u8) | ordered (u8 bool) | max latency (varint) | start group + 1 |
 * end group + 1}.
 */
public record SubscribeUpdate(int priority, boolean ordered, long maxLatencyMillis, OptionalLong startGroup,
                              OptionalLong endGroup) implements LiteMessage {
    public SubscribeUpdate {
        Fields.checkPriority(priority);
        Fields.checkVarint(maxLatencyMillis, "max latency");
        checkGroup(startGroup, "start group");
        checkGroup(endGroup, "end group");
    }

    static void checkGroup(OptionalLong group, String field) {
        if (group.isPresent() && (group.getAsLong() < 0 || group.getAsLong() >= Varint.MAX)) {
            throw new IllegalArgumentException(field + " out of range: " + group.getAsLong());
        }
    }

    @Override
    public int bodyLength() {
        return 2 + Varint.encodedLength(maxLatencyMillis) + Varint.encodedLength(Fields.optionalGroup(startGroup))
                + Varint.encodedLength(Fields.optionalGroup(endGroup));
    }

    @Override
    public void encodeBody(ByteBuf out) {
        out.writeByte(priority);
        out.writeByte(ordered ? 1 : 0);
        Varint.write(out, maxLatencyMillis);
        Varint.write(out, Fields.optionalGroup(startGroup));
        Varint.write(out, Fields.optionalGroup(endGroup));
    }

    public static SubscribeUpdate decode(ByteBuf body) {
        int priority = Fields.u8(body, "SUBSCRIBE_UPDATE priority");
        boolean ordered = Fields.bool(body, "SUBSCRIBE_UPDATE ordered");
        long latency = Fields.varint(body, "SUBSCRIBE_UPDATE max latency");
        OptionalLong start = Fields.optionalGroup(body, "SUBSCRIBE_UPDATE start group");
        OptionalLong end = Fields.optionalGroup(body, "SUBSCRIBE_UPDATE end group");
        return new SubscribeUpdate(priority, ordered, latency, start, end);
    }
}
