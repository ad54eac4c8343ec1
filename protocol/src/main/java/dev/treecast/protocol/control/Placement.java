package dev.treecast.protocol.control;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
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
 * <p>It also carries the ingest's <em>broadcast key</em>, the raw Ed25519 public key every object is signed with
 * ({@link dev.treecast.protocol.data.ObjectSignature}), so that relays placed by the controller can verify objects
 * without being configured; empty when the ingest does not sign. It comes from the controller, never from a parent,
 * which is the party a signature guards against.
 *
 * <p>Wire: {@code parent id (string) | parent address (string) | rank (varint) | count (varint, at most 16) |
 * count x (node id (string) | address (string) | rank (varint)) | key length (varint, at most 64) | key}.
 */
public record Placement(String parentId, String parentAddress, long rank, List<Candidate> backups,
                        byte[] broadcastKey) implements ControlMessage {
    /** The most backups a PLACEMENT may carry. */
    public static final int MAX_BACKUPS = Candidate.MAX_LIST;
    /** Ed25519 keys are 32 bytes; room for another scheme, refuse anything larger. */
    public static final int MAX_KEY = 64;

    public Placement {
        Strings.checkLength(parentId, "parent id", Setup.MAX_NODE_ID);
        Strings.checkLength(parentAddress, "parent address", Backups.MAX_ADDRESS);
        backups = Candidate.checkList(backups, "backups");
        broadcastKey = broadcastKey == null ? new byte[0] : broadcastKey.clone();
        if (broadcastKey.length > MAX_KEY) {
            throw new IllegalArgumentException("broadcast key is " + broadcastKey.length + " bytes, the limit is "
                    + MAX_KEY);
        }
    }

    /** A placement without a broadcast key (an ingest that does not sign). */
    public Placement(String parentId, String parentAddress, long rank, List<Candidate> backups) {
        this(parentId, parentAddress, rank, backups, null);
    }

    /** The raw public key objects are signed with; empty when none. A copy. */
    @Override
    public byte[] broadcastKey() {
        return broadcastKey.clone();
    }

    @Override
    public MessageType type() {
        return MessageType.PLACEMENT;
    }

    @Override
    public int payloadLength() {
        return Strings.encodedLength(parentId) + Strings.encodedLength(parentAddress) + Varint.encodedLength(rank)
                + Candidate.listLength(backups) + Varint.encodedLength(broadcastKey.length) + broadcastKey.length;
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Strings.write(out, parentId);
        Strings.write(out, parentAddress);
        Varint.write(out, rank);
        Candidate.writeList(out, backups);
        Varint.write(out, broadcastKey.length);
        out.writeBytes(broadcastKey);
    }

    static Placement decode(ByteBuf in) {
        String parentId = Strings.read(in, "PLACEMENT parent id", Setup.MAX_NODE_ID);
        String parentAddress = Strings.read(in, "PLACEMENT parent address", Backups.MAX_ADDRESS);
        long rank = Varint.read(in, "PLACEMENT rank");
        List<Candidate> backups = Candidate.readList(in, "PLACEMENT backup");
        int keyLength = (int) Varint.read(in, "PLACEMENT broadcast key length", MAX_KEY);
        if (keyLength > in.readableBytes()) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "truncated PLACEMENT broadcast key");
        }
        byte[] key = new byte[keyLength];
        in.readBytes(key);
        return new Placement(parentId, parentAddress, rank, backups, key);
    }

    // A record compares arrays by reference; a message compares by content.
    @Override
    public boolean equals(Object o) {
        return o instanceof Placement p && rank == p.rank && parentId.equals(p.parentId)
                && parentAddress.equals(p.parentAddress) && backups.equals(p.backups)
                && Arrays.equals(broadcastKey, p.broadcastKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(parentId, parentAddress, rank, backups) * 31 + Arrays.hashCode(broadcastKey);
    }

    @Override
    public String toString() {
        return "Placement[parentId=" + parentId + ", parentAddress=" + parentAddress + ", rank=" + rank + ", backups="
                + backups + ", broadcastKey=" + HexFormat.of().formatHex(broadcastKey) + "]";
    }
}
