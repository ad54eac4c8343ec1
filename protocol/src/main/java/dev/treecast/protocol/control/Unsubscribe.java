package dev.treecast.protocol.control;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/** UNSUBSCRIBE (0x06): the subscriber no longer wants the track; its open group streams are reset. */
public record Unsubscribe(long subscriptionId) implements ControlMessage {
    @Override
    public MessageType type() {
        return MessageType.UNSUBSCRIBE;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(subscriptionId);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, subscriptionId);
    }

    static Unsubscribe decode(ByteBuf in) {
        return new Unsubscribe(Varint.read(in, "UNSUBSCRIBE id"));
    }
}
