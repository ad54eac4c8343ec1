package dev.treecast.protocol.moqlite;

import io.netty.buffer.ByteBuf;

/**
 * GOAWAY (lite-04+, on a stream of type {@link MoqLite#STREAM_GOAWAY}): the session is ending; reconnect to
 * {@code uri} ("" for the same place). Body: {@code uri (string)}.
 */
public record Goaway(String uri) implements LiteMessage {
    public Goaway {
        if (Fields.utf8(uri) > MoqLite.MAX_URI) {
            throw new IllegalArgumentException("uri longer than " + MoqLite.MAX_URI + " bytes");
        }
    }

    @Override
    public int bodyLength() {
        return Fields.stringLength(uri);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Fields.string(out, uri);
    }

    public static Goaway decode(ByteBuf body) {
        return new Goaway(Fields.string(body, "GOAWAY uri", MoqLite.MAX_URI));
    }
}
