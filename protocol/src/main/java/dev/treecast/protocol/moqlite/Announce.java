package dev.treecast.protocol.moqlite;

import java.util.ArrayList;
import java.util.List;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * ANNOUNCE (lite-05, publisher to subscriber on an announce stream): a broadcast under the requested prefix became
 * live or ended. Body: {@code status (u8: 1 active, 0 ended; 2 restart is read as active) | suffix (string) |
 * hop count (varint) | hop origin ids (varint each)}. The suffix is the broadcast path with the prefix removed.
 */
public record Announce(boolean active, String suffix, List<Long> hops) implements LiteMessage {
    public Announce {
        suffix = Fields.normalize(suffix);
        hops = List.copyOf(hops);
        if (hops.size() > MoqLite.MAX_HOPS) {
            throw new IllegalArgumentException("more than " + MoqLite.MAX_HOPS + " hops");
        }
        hops.forEach(h -> Fields.checkVarint(h, "hop"));
    }

    /** A broadcast this publisher originates (no hops before it). */
    public static Announce of(boolean active, String suffix) {
        return new Announce(active, suffix, List.of());
    }

    @Override
    public int bodyLength() {
        int n = 1 + Fields.stringLength(suffix) + Varint.encodedLength(hops.size());
        for (long hop : hops) {
            n += Varint.encodedLength(hop);
        }
        return n;
    }

    @Override
    public void encodeBody(ByteBuf out) {
        out.writeByte(active ? MoqLite.STATUS_ACTIVE : MoqLite.STATUS_ENDED);
        Fields.string(out, suffix);
        Varint.write(out, hops.size());
        for (long hop : hops) {
            Varint.write(out, hop);
        }
    }

    public static Announce decode(ByteBuf body) {
        int status = Fields.u8(body, "ANNOUNCE status");
        if (status > MoqLite.STATUS_RESTART) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "ANNOUNCE status " + status + " is unknown");
        }
        String suffix = Fields.path(body, "ANNOUNCE suffix");
        int count = (int) Fields.varint(body, "ANNOUNCE hop count", MoqLite.MAX_HOPS);
        List<Long> hops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            hops.add(Fields.varint(body, "ANNOUNCE hop"));
        }
        return new Announce(status != MoqLite.STATUS_ENDED, suffix, hops);
    }
}
