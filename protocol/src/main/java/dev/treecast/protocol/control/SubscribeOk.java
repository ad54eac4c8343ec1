package dev.treecast.protocol.control;

import java.util.OptionalLong;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * SUBSCRIBE_OK (0x04): the subscription is live. {@code latestGroup} is the newest group the publisher side
 * has, if any; on the wire it is sent as {@code latestGroup + 1}, with 0 meaning "none yet".
 */
public record SubscribeOk(long subscriptionId, OptionalLong latestGroup) implements ControlMessage {
    public SubscribeOk {
        // The wire carries latestGroup + 1: -1 would silently go out as 0 ("none yet"), Varint.MAX cannot be sent.
        if (latestGroup.isPresent() && (latestGroup.getAsLong() < 0 || latestGroup.getAsLong() >= Varint.MAX)) {
            throw new IllegalArgumentException("latest group out of range: " + latestGroup.getAsLong());
        }
    }

    @Override
    public MessageType type() {
        return MessageType.SUBSCRIBE_OK;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(subscriptionId) + Varint.encodedLength(wireLatest());
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, subscriptionId);
        Varint.write(out, wireLatest());
    }

    private long wireLatest() {
        return latestGroup.isPresent() ? latestGroup.getAsLong() + 1 : 0;
    }

    static SubscribeOk decode(ByteBuf in) {
        long id = Varint.read(in, "SUBSCRIBE_OK id");
        long latest = Varint.read(in, "SUBSCRIBE_OK latest group");
        return new SubscribeOk(id, latest == 0 ? OptionalLong.empty() : OptionalLong.of(latest - 1));
    }
}
