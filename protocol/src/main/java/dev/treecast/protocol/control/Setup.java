package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/** SETUP (0x01): the first message of a session, sent by the connecting side. */
public record Setup(long version, Role role, String nodeId) implements ControlMessage {
    public static final int MAX_NODE_ID = 128;

    public Setup {
        Strings.checkLength(nodeId, "node id", MAX_NODE_ID);
    }

    @Override
    public MessageType type() {
        return MessageType.SETUP;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(version) + Varint.encodedLength(role.wire()) + Strings.encodedLength(nodeId);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, version);
        Varint.write(out, role.wire());
        Strings.write(out, nodeId);
    }

    static Setup decode(ByteBuf in) {
        long version = Varint.read(in, "SETUP version");
        Role role = Role.of(Varint.read(in, "SETUP role"));
        return new Setup(version, role, Strings.read(in, "SETUP node id", MAX_NODE_ID));
    }
}
