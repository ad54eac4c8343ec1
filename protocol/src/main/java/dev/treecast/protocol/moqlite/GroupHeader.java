package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * GROUP (lite-05): the header of a group stream, a unidirectional stream of type {@link MoqLite#DATA_GROUP}.
 * Body: {@code subscribe id (varint) | group sequence (varint)}; frames follow (see {@link Frame}), FIN ends the
 * group.
 */
public record GroupHeader(long subscribeId, long sequence) implements LiteMessage {
    public GroupHeader {
        Fields.checkVarint(subscribeId, "subscribe id");
        Fields.checkVarint(sequence, "sequence");
    }

    @Override
    public int bodyLength() {
        return Varint.encodedLength(subscribeId) + Varint.encodedLength(sequence);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Varint.write(out, subscribeId);
        Varint.write(out, sequence);
    }

    public static GroupHeader decode(ByteBuf body) {
        return new GroupHeader(Fields.varint(body, "GROUP subscribe id"), Fields.varint(body, "GROUP sequence"));
    }
}
