package dev.treecast.protocol.control;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * ERROR (0x1F): the sender is closing the session because of {@code code}; sent on the control stream just
 * before the connection is closed with the same application error code, so the reason survives even where the
 * transport drops CONNECTION_CLOSE reason phrases.
 */
public record ErrorMessage(ErrorCode code, String reason) implements ControlMessage {
    public ErrorMessage {
        Strings.checkLength(reason, "reason", SubscribeError.MAX_REASON);
    }

    @Override
    public MessageType type() {
        return MessageType.ERROR;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(code.code()) + Strings.encodedLength(reason);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, code.code());
        Strings.write(out, reason);
    }

    static ErrorMessage decode(ByteBuf in) {
        ErrorCode code = ErrorCode.of(Varint.read(in, "ERROR code"));
        return new ErrorMessage(code, Strings.read(in, "ERROR reason", SubscribeError.MAX_REASON));
    }
}
