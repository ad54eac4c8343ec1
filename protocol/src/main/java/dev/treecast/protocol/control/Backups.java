package dev.treecast.protocol.control;

import java.util.List;

import io.netty.buffer.ByteBuf;

/**
 * BACKUPS (0x11): sent by the controller to a relay whenever its alternate parents change: the ranked list of
 * relays it attaches to, in order, when its parent dies, without asking the controller first. Every candidate
 * should rank below the receiving relay, or it refuses the relay with
 * {@link dev.treecast.protocol.ErrorCode#RANK_REFUSED}.
 *
 * <p>Wire: {@code count (varint, at most 16) | count x (node id (string) | address (string) | rank (varint))}.
 */
public record Backups(List<Candidate> candidates) implements ControlMessage {
    /** The most candidates a BACKUPS may carry. */
    public static final int MAX_CANDIDATES = Candidate.MAX_LIST;
    /** The longest {@code host:port} address of any control message, in bytes. */
    public static final int MAX_ADDRESS = 256;

    public Backups {
        candidates = Candidate.checkList(candidates, "candidates");
    }

    @Override
    public MessageType type() {
        return MessageType.BACKUPS;
    }

    @Override
    public int payloadLength() {
        return Candidate.listLength(candidates);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Candidate.writeList(out, candidates);
    }

    static Backups decode(ByteBuf in) {
        return new Backups(Candidate.readList(in, "BACKUPS candidate"));
    }
}
