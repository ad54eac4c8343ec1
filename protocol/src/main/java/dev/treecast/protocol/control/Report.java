package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * REPORT (0x22): sent by a relay to the tree controller about once a second on its controller session. It is soft
 * state: the controller keeps no durable map of the tree and, after a restart, rebuilds it from the reports that
 * arrive. It carries the relay's description, its rank, its current parent ({@code parentId}, empty while it is
 * repairing and has none) and how many viewers it serves itself.
 *
 * <p>Wire: {@code node id (string) | address (string) | region (string) | slots (varint) | web transport (string)
 * | certificate sha-256 (string) | rank (varint) | parent id (string) | viewers (varint)}.
 */
public record Report(RelayDescription relay, long rank, String parentId, long viewers) implements ControlMessage {
    public Report {
        if (relay == null) {
            throw new IllegalArgumentException("relay must not be null");
        }
        Strings.checkLength(parentId, "parent id", Setup.MAX_NODE_ID);
    }

    @Override
    public MessageType type() {
        return MessageType.REPORT;
    }

    @Override
    public int payloadLength() {
        return relay.encodedLength() + Varint.encodedLength(rank) + Strings.encodedLength(parentId)
                + Varint.encodedLength(viewers);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        relay.encode(out);
        Varint.write(out, rank);
        Strings.write(out, parentId);
        Varint.write(out, viewers);
    }

    static Report decode(ByteBuf in) {
        RelayDescription relay = RelayDescription.decode(in, "REPORT");
        long rank = Varint.read(in, "REPORT rank");
        String parentId = Strings.read(in, "REPORT parent id", Setup.MAX_NODE_ID);
        return new Report(relay, rank, parentId, Varint.read(in, "REPORT viewers"));
    }
}
