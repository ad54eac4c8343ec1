package dev.treecast.protocol.control;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * HEARTBEAT (0x10): sent by a child to its parent on every link at a fixed interval, carrying the load of the
 * child's subtree; the parent echoes the sequence, so both sides notice a dead link within a few intervals.
 */
public record Heartbeat(long sequence, long subtreeRelays, long subtreeViewers) implements ControlMessage {
    @Override
    public MessageType type() {
        return MessageType.HEARTBEAT;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(sequence) + Varint.encodedLength(subtreeRelays)
                + Varint.encodedLength(subtreeViewers);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, sequence);
        Varint.write(out, subtreeRelays);
        Varint.write(out, subtreeViewers);
    }

    static Heartbeat decode(ByteBuf in) {
        return new Heartbeat(Varint.read(in, "HEARTBEAT sequence"), Varint.read(in, "HEARTBEAT relays"),
                Varint.read(in, "HEARTBEAT viewers"));
    }
}
