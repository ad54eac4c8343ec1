package dev.treecast.gateway.webtransport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * What both stream sniffers (the server's for bidirectional streams, the client's for unidirectional ones) need
 * while they tell a WebTransport stream from an HTTP/3 one by its first bytes.
 */
public final class StreamSniffing {
    private StreamSniffing() {
    }

    /** Removes every handler of the pipeline but {@code self}: the HTTP/3 handlers a WebTransport stream does not want. */
    public static void removeAllBut(ChannelHandlerContext ctx, ChannelHandler self) {
        List<ChannelHandler> others = new ArrayList<>();
        for (Map.Entry<String, ChannelHandler> entry : ctx.pipeline()) {
            if (entry.getValue() != self) {
                others.add(entry.getValue());
            }
        }
        for (ChannelHandler handler : others) {
            ctx.pipeline().remove(handler);
        }
    }

    /**
     * The bytes kept from earlier reads (may be null) followed by {@code bytes}, in one buffer; takes ownership of
     * both.
     */
    public static ByteBuf join(ChannelHandlerContext ctx, ByteBuf buffered, ByteBuf bytes) {
        if (buffered == null) {
            return bytes;
        }
        ByteBuf joined = ctx.alloc().buffer(buffered.readableBytes() + bytes.readableBytes());
        joined.writeBytes(buffered).writeBytes(bytes);
        buffered.release();
        bytes.release();
        return joined;
    }
}
