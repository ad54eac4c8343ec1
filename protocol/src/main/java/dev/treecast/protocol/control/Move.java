package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import io.netty.buffer.ByteBuf;

/**
 * MOVE (0x12): the controller asks a relay to change parent make-before-break: connect and receive from
 * {@code address} first, then drop the old parent.
 */
public record Move(String address) implements ControlMessage {
    public Move {
        Strings.checkLength(address, "address", Backups.MAX_ADDRESS);
    }

    @Override
    public MessageType type() {
        return MessageType.MOVE;
    }

    @Override
    public int payloadLength() {
        return Strings.encodedLength(address);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Strings.write(out, address);
    }

    static Move decode(ByteBuf in) {
        return new Move(Strings.read(in, "MOVE address", Backups.MAX_ADDRESS));
    }
}
