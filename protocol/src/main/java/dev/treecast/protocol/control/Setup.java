package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * SETUP (0x01): the first message of a session, sent by the connecting side.
 *
 * <p>{@code rank} is a relay's fixed rank in the tree: a relay only accepts a child relay of strictly higher rank
 * (else it closes the session with {@link dev.treecast.protocol.ErrorCode#RANK_REFUSED}), so parent links always
 * point down in rank and no repair can form a cycle. Viewers send 0.
 */
public record Setup(long version, Role role, String nodeId, long rank) implements ControlMessage {
    public static final int MAX_NODE_ID = 128;

    public Setup {
        Strings.checkLength(nodeId, "node id", MAX_NODE_ID);
    }

    /** A SETUP of rank 0, as viewers send it. */
    public Setup(long version, Role role, String nodeId) {
        this(version, role, nodeId, 0);
    }

    @Override
    public MessageType type() {
        return MessageType.SETUP;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(version) + Varint.encodedLength(role.wire()) + Strings.encodedLength(nodeId)
                + Varint.encodedLength(rank);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, version);
        Varint.write(out, role.wire());
        Strings.write(out, nodeId);
        Varint.write(out, rank);
    }

    static Setup decode(ByteBuf in) {
        long version = Varint.read(in, "SETUP version");
        Role role = Role.of(Varint.read(in, "SETUP role"));
        String nodeId = Strings.read(in, "SETUP node id", MAX_NODE_ID);
        return new Setup(version, role, nodeId, Varint.read(in, "SETUP rank"));
    }
}
