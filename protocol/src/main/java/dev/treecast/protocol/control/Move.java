package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import io.netty.buffer.ByteBuf;

/**
 * MOVE (0x12): sent by the controller to a relay to change its parent make-before-break: connect to
 * {@code parentId} at {@code address} and receive from it first, then drop the old parent. The controller only
 * names a parent that ranks below the relay.
 *
 * <p>Wire: {@code parent id (string) | address (string)}.
 */
public record Move(String parentId, String address) implements ControlMessage {
    public Move {
        Strings.checkLength(parentId, "parent id", Setup.MAX_NODE_ID);
        Strings.checkLength(address, "address", Backups.MAX_ADDRESS);
    }

    @Override
    public MessageType type() {
        return MessageType.MOVE;
    }

    @Override
    public int payloadLength() {
        return Strings.encodedLength(parentId) + Strings.encodedLength(address);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Strings.write(out, parentId);
        Strings.write(out, address);
    }

    static Move decode(ByteBuf in) {
        String parentId = Strings.read(in, "MOVE parent id", Setup.MAX_NODE_ID);
        return new Move(parentId, Strings.read(in, "MOVE address", Backups.MAX_ADDRESS));
    }
}
