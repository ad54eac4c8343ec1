package dev.treecast.gateway.webtransport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;

/**
 * First in the pipeline of every bidirectional stream a viewer opens, ahead of the HTTP/3 request codec. HTTP/3
 * would misread a WebTransport stream (it takes the signal 0x41 for a frame type and the session id for a
 * length), so this looks at the first bytes: an ordinary request stream is handed on untouched and this handler
 * leaves; a WebTransport stream (signal 0x41 + session id, draft-02 §4.2) has its HTTP/3 handlers replaced by the
 * session's, which then get the bytes after the prefix.
 */
final class BidiStreamSniffer extends ChannelInboundHandlerAdapter {
    private final WebTransportConnection connection;
    private ByteBuf buffered;

    BidiStreamSniffer(WebTransportConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = cumulate(ctx, bytes);
        StreamPrefix.Sniff sniff = StreamPrefix.sniffBidirectional(in);
        switch (sniff) {
            case StreamPrefix.NeedMore needMore -> buffered = in;
            case StreamPrefix.Http3 http3 -> {
                buffered = null;
                // Removed first, then fired from the head: the HTTP/3 codec sees the stream from its first byte.
                ctx.pipeline().remove(this);
                ctx.pipeline().fireChannelRead(in);
            }
            case StreamPrefix.WebTransport wt -> {
                buffered = null;
                in.skipBytes(wt.length());
                QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
                removeOthers(ctx);
                ctx.pipeline().remove(this);
                if (connection.onWebTransportStream(stream, wt.sessionId()) && in.isReadable()) {
                    // From the head: the session's handlers were added after this one was removed.
                    ctx.pipeline().fireChannelRead(in);
                } else {
                    in.release();
                }
            }
        }
    }

    /** Drops the HTTP/3 request-stream handlers (codec, validators, CONNECT handler) added after this one. */
    private void removeOthers(ChannelHandlerContext ctx) {
        List<ChannelHandler> others = new ArrayList<>();
        for (Map.Entry<String, ChannelHandler> entry : ctx.pipeline()) {
            if (entry.getValue() != this) {
                others.add(entry.getValue());
            }
        }
        for (ChannelHandler handler : others) {
            ctx.pipeline().remove(handler);
        }
    }

    private ByteBuf cumulate(ChannelHandlerContext ctx, ByteBuf bytes) {
        if (buffered == null) {
            return bytes;
        }
        ByteBuf joined = ctx.alloc().buffer(buffered.readableBytes() + bytes.readableBytes());
        joined.writeBytes(buffered).writeBytes(bytes);
        buffered.release();
        bytes.release();
        buffered = null;
        return joined;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}
