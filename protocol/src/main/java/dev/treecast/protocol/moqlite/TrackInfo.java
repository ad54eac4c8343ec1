package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * TRACK_INFO (lite-05, publisher's answer on a track stream): {@code priority (u8) | ordered (u8 bool) |
 * max latency (varint, ms) | timescale (varint, units per second, never 0)}. Every frame of the track carries a
 * timestamp at this scale.
 */
public record TrackInfo(int priority, boolean ordered, long maxLatencyMillis, long timescale) implements LiteMessage {
    /** Treecast objects carry their ingest time in microseconds. */
    public static final long MICROSECONDS = 1_000_000;

    public TrackInfo {
        Fields.checkPriority(priority);
        Fields.checkVarint(maxLatencyMillis, "max latency");
        if (timescale <= 0 || timescale > Varint.MAX) {
            throw new IllegalArgumentException("timescale must be a non-zero varint: " + timescale);
        }
    }

    @Override
    public int bodyLength() {
        return 2 + Varint.encodedLength(maxLatencyMillis) + Varint.encodedLength(timescale);
    }

    @Override
    public void encodeBody(ByteBuf out) {
        out.writeByte(priority);
        out.writeByte(ordered ? 1 : 0);
        Varint.write(out, maxLatencyMillis);
        Varint.write(out, timescale);
    }

    public static TrackInfo decode(ByteBuf body) {
        int priority = Fields.u8(body, "TRACK_INFO priority");
        boolean ordered = Fields.bool(body, "TRACK_INFO ordered");
        long latency = Fields.varint(body, "TRACK_INFO max latency");
        long timescale = Fields.varint(body, "TRACK_INFO timescale");
        if (timescale == 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "TRACK_INFO timescale must be non-zero");
        }
        return new TrackInfo(priority, ordered, latency, timescale);
    }
}
