package dev.treecast.transport;

import java.util.List;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;

/**
 * Turns control-stream bytes into {@link ControlMessage}s and back. A malformed or oversize message surfaces as
 * a {@link dev.treecast.protocol.ProtocolException} in {@code exceptionCaught} (wrapped in a DecoderException);
 * since every message has a hard size limit, at most one message's worth of bytes is ever buffered, and never
 * more than {@code maxBuffered}.
 */
public final class ControlStreamCodec extends ByteToMessageCodec<ControlMessage> {
    private final int maxBuffered;

    /** Buffers up to one message of any type (what a subscriber needs: PLACEMENT and BACKUPS are the largest). */
    public ControlStreamCodec() {
        this(ControlCodec.MAX_MESSAGE);
    }

    /**
     * @param maxBuffered bytes of an incomplete message kept before the peer is refused with MESSAGE_TOO_LARGE
     *                    (a server sets it to the largest message its peers may send)
     */
    public ControlStreamCodec(int maxBuffered) {
        super(ControlMessage.class);
        this.maxBuffered = maxBuffered;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ControlMessage message, ByteBuf out) {
        ControlCodec.encode(message, out);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ControlMessage message;
        while ((message = ControlCodec.decode(in)) != null) {
            out.add(message);
        }
        // What is left is the start of one message: refused as soon as its prefix says it will not fit.
        int start = in.readerIndex();
        if (Varint.isComplete(in, start) && Varint.isComplete(in, start + Varint.lengthAt(in, start))) {
            int lengthIndex = start + Varint.lengthAt(in, start);
            long total = lengthIndex - start + Varint.lengthAt(in, lengthIndex) + Varint.get(in, lengthIndex);
            if (total > maxBuffered) {
                throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, "a control message of " + total
                        + " bytes exceeds the " + maxBuffered + " this side buffers");
            }
        }
    }
}
