package dev.treecast.protocol.control;

import io.netty.buffer.ByteBuf;

/**
 * JOIN (0x20): sent by a relay to the tree controller at the root, as its first message after SETUP on its
 * controller session, to ask for a place in the tree. The controller answers with {@link Placement}; a node that is
 * not the controller closes the session with {@link dev.treecast.protocol.ErrorCode#NOT_CONTROLLER}.
 *
 * <p>Wire: the {@link RelayDescription}, {@code node id (string) | address (string) | region (string) |
 * slots (varint) | web transport (string) | certificate sha-256 (string)}.
 */
public record Join(RelayDescription relay) implements ControlMessage {
    public Join {
        if (relay == null) {
            throw new IllegalArgumentException("relay must not be null");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.JOIN;
    }

    @Override
    public int payloadLength() {
        return relay.encodedLength();
    }

    @Override
    public void encodePayload(ByteBuf out) {
        relay.encode(out);
    }

    static Join decode(ByteBuf in) {
        return new Join(RelayDescription.decode(in, "JOIN"));
    }
}
