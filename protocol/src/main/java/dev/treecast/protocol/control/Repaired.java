package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * REPAIRED (0x23): sent by a relay to the tree controller after it repaired locally, i.e. lost its parent
 * {@code oldParentId} and attached to {@code newParentId} (normally its first live backup) without asking first;
 * {@code tookMicros} is the time from noticing the loss to receiving from the new parent, in microseconds.
 *
 * <p>Wire: {@code old parent id (string) | new parent id (string) | took micros (varint)}.
 */
public record Repaired(String oldParentId, String newParentId, long tookMicros) implements ControlMessage {
    public Repaired {
        Strings.checkLength(oldParentId, "old parent id", Setup.MAX_NODE_ID);
        Strings.checkLength(newParentId, "new parent id", Setup.MAX_NODE_ID);
    }

    @Override
    public MessageType type() {
        return MessageType.REPAIRED;
    }

    @Override
    public int payloadLength() {
        return Strings.encodedLength(oldParentId) + Strings.encodedLength(newParentId)
                + Varint.encodedLength(tookMicros);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Strings.write(out, oldParentId);
        Strings.write(out, newParentId);
        Varint.write(out, tookMicros);
    }

    static Repaired decode(ByteBuf in) {
        String oldParentId = Strings.read(in, "REPAIRED old parent id", Setup.MAX_NODE_ID);
        String newParentId = Strings.read(in, "REPAIRED new parent id", Setup.MAX_NODE_ID);
        return new Repaired(oldParentId, newParentId, Varint.read(in, "REPAIRED took micros"));
    }
}
