package dev.treecast.protocol.control;

import java.util.ArrayList;
import java.util.List;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * A relay another relay may attach to, as carried in {@link Backups} and {@link Placement}: its node id, the
 * {@code host:port} its QUIC listener for child relays is reached at, and its rank (a child may only attach to a
 * candidate of strictly lower rank than its own).
 *
 * <p>Wire: {@code node id (string) | address (string) | rank (varint)}. A list of candidates is
 * {@code count (varint, at most 16) | count x candidate}.
 */
public record Candidate(String nodeId, String address, long rank) {
    /** The most candidates a list may hold. */
    public static final int MAX_LIST = 16;

    public Candidate {
        Strings.checkLength(nodeId, "node id", Setup.MAX_NODE_ID);
        Strings.checkLength(address, "address", Backups.MAX_ADDRESS);
    }

    int encodedLength() {
        return Strings.encodedLength(nodeId) + Strings.encodedLength(address) + Varint.encodedLength(rank);
    }

    void encode(ByteBuf out) {
        Strings.write(out, nodeId);
        Strings.write(out, address);
        Varint.write(out, rank);
    }

    /** Reads one candidate; {@code field} names it in errors, e.g. {@code "BACKUPS candidate 3"}. */
    static Candidate decode(ByteBuf in, String field) {
        String nodeId = Strings.read(in, field + " node id", Setup.MAX_NODE_ID);
        String address = Strings.read(in, field + " address", Backups.MAX_ADDRESS);
        return new Candidate(nodeId, address, Varint.read(in, field + " rank"));
    }

    /** Checks a list the local side is about to send (not null, no null element, at most 16); an immutable copy. */
    static List<Candidate> checkList(List<Candidate> candidates, String field) {
        if (candidates == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (candidates.size() > MAX_LIST) {
            throw new IllegalArgumentException("at most " + MAX_LIST + " " + field + ": " + candidates.size());
        }
        for (Candidate c : candidates) {
            if (c == null) {
                throw new IllegalArgumentException(field + " must not contain null");
            }
        }
        return List.copyOf(candidates);
    }

    static int listLength(List<Candidate> candidates) {
        int n = Varint.encodedLength(candidates.size());
        for (Candidate c : candidates) {
            n += c.encodedLength();
        }
        return n;
    }

    static void writeList(ByteBuf out, List<Candidate> candidates) {
        Varint.write(out, candidates.size());
        for (Candidate c : candidates) {
            c.encode(out);
        }
    }

    /** Reads {@code count | count x candidate}; a count above 16 is malformed. */
    static List<Candidate> readList(ByteBuf in, String field) {
        int count = (int) Varint.read(in, field + " count", MAX_LIST);
        List<Candidate> candidates = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            candidates.add(decode(in, field + " " + i));
        }
        return candidates;
    }
}
