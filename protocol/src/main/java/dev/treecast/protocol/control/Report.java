package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * REPORT (0x22): sent by a relay to the tree controller about once a second on its controller session. It is soft
 * state: the controller keeps no durable map of the tree and, after a restart, rebuilds it from the reports that
 * arrive. It carries the relay's description, its rank, its current parent ({@code parentId}, empty while it is
 * repairing and has none), how many viewers it serves itself, and its traffic so far: bytes of objects (as on the
 * wire: header, payload, signature) received from upstream ({@code bytesReceived}) and written downstream to child
 * relays and viewers ({@code bytesForwarded}), both counted since the relay started. The controller derives throughputs from two reports (the tree map's edges
 * and node loads); counters rather than rates, so that a lost or late report costs precision, not correctness.
 *
 * <p>Wire: {@code node id (string) | address (string) | region (string) | slots (varint) | web transport (string)
 * | certificate sha-256 (string) | rank (varint) | parent id (string) | viewers (varint) | bytes received (varint)
 * | bytes forwarded (varint)}.
 */
public record Report(RelayDescription relay, long rank, String parentId, long viewers, long bytesReceived,
        long bytesForwarded) implements ControlMessage {
    public Report {
        if (relay == null) {
            throw new IllegalArgumentException("relay must not be null");
        }
        Strings.checkLength(parentId, "parent id", Setup.MAX_NODE_ID);
    }

    /** A report without traffic figures (both counters zero). */
    public Report(RelayDescription relay, long rank, String parentId, long viewers) {
        this(relay, rank, parentId, viewers, 0, 0);
    }

    @Override
    public MessageType type() {
        return MessageType.REPORT;
    }

    @Override
    public int payloadLength() {
        return relay.encodedLength() + Varint.encodedLength(rank) + Strings.encodedLength(parentId)
                + Varint.encodedLength(viewers) + Varint.encodedLength(bytesReceived)
                + Varint.encodedLength(bytesForwarded);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        relay.encode(out);
        Varint.write(out, rank);
        Strings.write(out, parentId);
        Varint.write(out, viewers);
        Varint.write(out, bytesReceived);
        Varint.write(out, bytesForwarded);
    }

    static Report decode(ByteBuf in) {
        RelayDescription relay = RelayDescription.decode(in, "REPORT");
        long rank = Varint.read(in, "REPORT rank");
        String parentId = Strings.read(in, "REPORT parent id", Setup.MAX_NODE_ID);
        long viewers = Varint.read(in, "REPORT viewers");
        long received = Varint.read(in, "REPORT bytes received");
        return new Report(relay, rank, parentId, viewers, received, Varint.read(in, "REPORT bytes forwarded"));
    }
}
