package dev.treecast.protocol.control;

import java.util.List;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * PLACEMENT (0x21): sent by the tree controller to a relay in answer to {@link Join}: the parent to attach to
 * ({@code parentId} at {@code parentAddress}), the relay's own rank, which it then declares in SETUP to every parent
 * and which never changes while it runs, and the ranked alternate parents it falls back to, in order, when its
 * parent dies (later changes of those come as {@link Backups}). The parent and every backup should rank strictly
 * below {@code rank}, or they refuse the relay with {@link dev.treecast.protocol.ErrorCode#RANK_REFUSED}.
 *
 * <p>Wire: {@code parent id (string) | parent address (string) | rank (varint) | count (varint, at most 16) |
 * count x (node id (string) | address (string) | rank (varint))}.
 */
public record Placement(String parentId, String parentAddress, long rank, List<Candidate> backups)
        implements ControlMessage {
    /** The most backups a PLACEMENT may carry. */
    public static final int MAX_BACKUPS = Candidate.MAX_LIST;

    public Placement {
        Strings.checkLength(parentId, "parent id", Setup.MAX_NODE_ID);
        Strings.checkLength(parentAddress, "parent address", Backups.MAX_ADDRESS);
        backups = Candidate.checkList(backups, "backups");
    }

    @Override
    public MessageType type() {
        return MessageType.PLACEMENT;
    }

    @Override
    public int payloadLength() {
        return Strings.encodedLength(parentId) + Strings.encodedLength(parentAddress) + Varint.encodedLength(rank)
                + Candidate.listLength(backups);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Strings.write(out, parentId);
        Strings.write(out, parentAddress);
        Varint.write(out, rank);
        Candidate.writeList(out, backups);
    }

    static Placement decode(ByteBuf in) {
        String parentId = Strings.read(in, "PLACEMENT parent id", Setup.MAX_NODE_ID);
        String parentAddress = Strings.read(in, "PLACEMENT parent address", Backups.MAX_ADDRESS);
        long rank = Varint.read(in, "PLACEMENT rank");
        return new Placement(parentId, parentAddress, rank, Candidate.readList(in, "PLACEMENT backup"));
    }
}
