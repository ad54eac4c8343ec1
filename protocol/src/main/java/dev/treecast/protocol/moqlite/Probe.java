package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * PROBE (lite-04+, publisher to subscriber on a probe stream): the publisher's estimate of the path. Body:
 * {@code bitrate (varint, bits/s) | rtt (varint, ms, 0 = unknown)}.
 */
public record Probe(long bitrate, long rttMillis) implements LiteMessage {
    public Probe {
        Fields.checkVarint(bitrate, "bitrate");
        Fields.checkVarint(rttMillis, "rtt");
    }

    @Override
    public int bodyLength() {
        return Varint.encodedLength(bitrate) + Varint.encodedLength(rttMillis);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Varint.write(out, bitrate);
        Varint.write(out, rttMillis);
    }

    public static Probe decode(ByteBuf body) {
        return new Probe(Fields.varint(body, "PROBE bitrate"), Fields.varint(body, "PROBE rtt"));
    }
}
