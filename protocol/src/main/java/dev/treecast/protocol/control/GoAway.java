package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import io.netty.buffer.ByteBuf;

/**
 * GOAWAY (0x13): the sender is draining. Its peer should move to {@code address} (empty: its own next backup)
 * before the sender closes the session.
 */
public record GoAway(String address) implements ControlMessage {
    public GoAway {
        Strings.checkLength(address, "address", Backups.MAX_ADDRESS);
    }

    @Override
    public MessageType type() {
        return MessageType.GOAWAY;
    }

    @Override
    public int payloadLength() {
        return Strings.encodedLength(address);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Strings.write(out, address);
    }

    static GoAway decode(ByteBuf in) {
        return new GoAway(Strings.read(in, "GOAWAY address", Backups.MAX_ADDRESS));
    }
}
