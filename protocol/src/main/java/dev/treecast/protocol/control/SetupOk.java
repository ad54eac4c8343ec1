package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/** SETUP_OK (0x02): the accepting side's answer, naming the version in use and itself. */
public record SetupOk(long version, String nodeId) implements ControlMessage {
    public SetupOk {
        Strings.checkLength(nodeId, "node id", Setup.MAX_NODE_ID);
    }

    @Override
    public MessageType type() {
        return MessageType.SETUP_OK;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(version) + Strings.encodedLength(nodeId);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, version);
        Strings.write(out, nodeId);
    }

    static SetupOk decode(ByteBuf in) {
        long version = Varint.read(in, "SETUP_OK version");
        return new SetupOk(version, Strings.read(in, "SETUP_OK node id", Setup.MAX_NODE_ID));
    }
}
