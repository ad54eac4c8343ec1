package dev.treecast.transport;

import java.util.List;

import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;

/**
 * Turns control-stream bytes into {@link ControlMessage}s and back. A malformed or oversize message surfaces as
 * a {@link dev.treecast.protocol.ProtocolException} in {@code exceptionCaught} (wrapped in a DecoderException);
 * since every message has a hard size limit, at most one message's worth of bytes is ever buffered.
 */
public final class ControlStreamCodec extends ByteToMessageCodec<ControlMessage> {
    public ControlStreamCodec() {
        super(ControlMessage.class);
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
    }
}
