package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.auth.AccessToken;
import io.netty.buffer.ByteBuf;

/**
 * SETUP (0x01): the first message of a session, sent by the connecting side.
 *
 * <p>Wire: {@code version (varint) | role (varint) | node id (string) | rank (varint) | token (string)}.
 *
 * <p>{@code rank} is a relay's fixed rank in the tree: a relay only accepts a child relay of strictly higher rank
 * (else it closes the session with {@link dev.treecast.protocol.ErrorCode#RANK_REFUSED}), so parent links always
 * point down in rank and no repair can form a cycle. Viewers send 0.
 *
 * <p>{@code token} is the peer's {@link AccessToken} in its text form, "" (a zero length) for none: a relay's fleet
 * token, a viewer's ticket. Like the rank before it, the field is always there: a SETUP from a peer that predates it
 * is malformed, rather than read two ways. It is never shown by {@link #toString()}: it is a bearer credential.
 */
public record Setup(long version, Role role, String nodeId, long rank, String token) implements ControlMessage {
    public static final int MAX_NODE_ID = 128;
    public static final int MAX_TOKEN = AccessToken.MAX_LENGTH;

    public Setup {
        Strings.checkLength(nodeId, "node id", MAX_NODE_ID);
        token = token == null ? "" : token;
        Strings.checkLength(token, "token", MAX_TOKEN);
    }

    /** A SETUP without a token. */
    public Setup(long version, Role role, String nodeId, long rank) {
        this(version, role, nodeId, rank, "");
    }

    /** A SETUP of rank 0 without a token, as viewers send it. */
    public Setup(long version, Role role, String nodeId) {
        this(version, role, nodeId, 0, "");
    }

    public boolean hasToken() {
        return !token.isEmpty();
    }

    @Override
    public MessageType type() {
        return MessageType.SETUP;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(version) + Varint.encodedLength(role.wire()) + Strings.encodedLength(nodeId)
                + Varint.encodedLength(rank) + Strings.encodedLength(token);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, version);
        Varint.write(out, role.wire());
        Strings.write(out, nodeId);
        Varint.write(out, rank);
        Strings.write(out, token);
    }

    static Setup decode(ByteBuf in) {
        long version = Varint.read(in, "SETUP version");
        Role role = Role.of(Varint.read(in, "SETUP role"));
        String nodeId = Strings.read(in, "SETUP node id", MAX_NODE_ID);
        long rank = Varint.read(in, "SETUP rank");
        return new Setup(version, role, nodeId, rank, Strings.read(in, "SETUP token", MAX_TOKEN));
    }

    @Override
    public String toString() {
        return "Setup[version=" + version + ", role=" + role + ", nodeId=" + nodeId + ", rank=" + rank
                + (token.isEmpty() ? "" : ", token=(" + token.length() + " characters)") + "]";
    }
}
