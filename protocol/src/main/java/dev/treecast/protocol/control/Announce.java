package dev.treecast.protocol.control;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Strings;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * ANNOUNCE (0x07): sent downstream when a broadcast becomes live or ends, so that subscribers learn what exists
 * without polling. A session receives the live broadcasts right after {@code SETUP_OK}.
 */
public record Announce(String broadcast, boolean live) implements ControlMessage {
    public Announce {
        if (!TrackName.isValidName(broadcast, TrackName.MAX_BROADCAST)) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "invalid broadcast name '" + broadcast + "'");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.ANNOUNCE;
    }

    @Override
    public int payloadLength() {
        return Strings.encodedLength(broadcast) + 1;
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Strings.write(out, broadcast);
        Varint.write(out, live ? 1 : 0);
    }

    static Announce decode(ByteBuf in) {
        String broadcast = Strings.read(in, "ANNOUNCE broadcast", TrackName.MAX_BROADCAST);
        long status = Varint.read(in, "ANNOUNCE status", 1);
        return new Announce(broadcast, status == 1);
    }
}
