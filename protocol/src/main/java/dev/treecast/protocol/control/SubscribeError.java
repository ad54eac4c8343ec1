package dev.treecast.protocol.control;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/** SUBSCRIBE_ERROR (0x05): the subscription was refused or has ended, with a code and a readable reason. */
public record SubscribeError(long subscriptionId, ErrorCode code, String reason) implements ControlMessage {
    public static final int MAX_REASON = 1024;

    public SubscribeError {
        Strings.checkLength(reason, "reason", MAX_REASON);
    }

    @Override
    public MessageType type() {
        return MessageType.SUBSCRIBE_ERROR;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(subscriptionId) + Varint.encodedLength(code.code())
                + Strings.encodedLength(reason);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, subscriptionId);
        Varint.write(out, code.code());
        Strings.write(out, reason);
    }

    static SubscribeError decode(ByteBuf in) {
        long id = Varint.read(in, "SUBSCRIBE_ERROR id");
        ErrorCode code = ErrorCode.of(Varint.read(in, "SUBSCRIBE_ERROR code"));
        return new SubscribeError(id, code, Strings.read(in, "SUBSCRIBE_ERROR reason", MAX_REASON));
    }
}
