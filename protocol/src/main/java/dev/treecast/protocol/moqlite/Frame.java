package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * A frame on a lite-05 group stream: {@code zigzag(timestamp - previous timestamp) (varint) | size (varint) |
 * payload}. The first frame of a stream is relative to 0; the timestamp is in the track's
 * {@link TrackInfo#timescale()} units.
 *
 * @param timestamp the absolute timestamp
 * @param payload   a slice of the stream's buffer, not retained
 */
public record Frame(long timestamp, ByteBuf payload) {
    /** Bytes of the header before a payload of {@code length} at {@code timestamp} after {@code previous}. */
    public static int headerLength(long previous, long timestamp, int length) {
        return Varint.encodedLength(MoqLite.zigzag(timestamp - previous)) + Varint.encodedLength(length);
    }

    /** Writes the header of a frame; the caller writes the {@code length} payload bytes after it. */
    public static void writeHeader(ByteBuf out, long previous, long timestamp, int length) {
        Varint.write(out, MoqLite.zigzag(timestamp - previous));
        Varint.write(out, length);
    }

    /**
     * The next frame in {@code in} if all of it has arrived (reader index moves past it), else null (nothing
     * consumed).
     *
     * @throws ProtocolException {@link ErrorCode#MESSAGE_TOO_LARGE} for a payload over {@code maxPayload}
     */
    public static Frame read(ByteBuf in, long previous, int maxPayload) {
        int start = in.readerIndex();
        if (!Varint.isComplete(in, start)) {
            return null;
        }
        long delta = MoqLite.unzigzag(Varint.read(in, "frame timestamp"));
        if (!Varint.isComplete(in, in.readerIndex())) {
            in.readerIndex(start);
            return null;
        }
        long size = Varint.read(in, "frame size");
        if (size > maxPayload) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, "frame of " + size + " bytes exceeds "
                    + maxPayload);
        }
        if (in.readableBytes() < size) {
            in.readerIndex(start);
            return null;
        }
        return new Frame(previous + delta, in.readSlice((int) size));
    }
}
