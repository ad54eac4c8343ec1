package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * ANNOUNCE_REQUEST (lite-05, first message of an announce stream, subscriber to publisher): which broadcasts the
 * subscriber wants to hear about. Body: {@code prefix (string) | exclude hop (varint)}; the exclude hop is the
 * subscriber's origin id, whose own announcements it does not want back (0: none).
 */
public record AnnounceRequest(String prefix, long excludeHop) implements LiteMessage {
    public AnnounceRequest {
        prefix = Fields.normalize(prefix);
        Fields.checkVarint(excludeHop, "exclude hop");
    }

    @Override
    public int bodyLength() {
        return Fields.stringLength(prefix) + Varint.encodedLength(excludeHop);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Fields.string(out, prefix);
        Varint.write(out, excludeHop);
    }

    public static AnnounceRequest decode(ByteBuf body) {
        String prefix = Fields.path(body, "ANNOUNCE_REQUEST prefix");
        long exclude = Fields.varint(body, "ANNOUNCE_REQUEST exclude hop");
        return new AnnounceRequest(prefix, exclude);
    }
}
