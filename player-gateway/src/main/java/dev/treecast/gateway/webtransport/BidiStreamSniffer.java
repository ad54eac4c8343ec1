package dev.treecast.gateway.webtransport;


import io.netty.buffer.ByteBuf;
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
        ByteBuf in = StreamSniffing.join(ctx, buffered, bytes);
        buffered = null;
        StreamPrefix.Sniff sniff = StreamPrefix.sniffBidirectional(in);
        switch (sniff) {
            case StreamPrefix.NeedMore needMore -> buffered = in;
            case StreamPrefix.Http3 http3 -> {
                // Removed first, then fired from the head: the HTTP/3 codec sees the stream from its first byte.
                ctx.pipeline().remove(this);
                ctx.pipeline().fireChannelRead(in);
            }
            case StreamPrefix.WebTransport wt -> {
                in.skipBytes(wt.length());
                QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
                // The session's control stream or a moq-lite request stream: replies before media.
                stream.updatePriority(dev.treecast.transport.StreamPriorities.CONTROL);
                StreamSniffing.removeAllBut(ctx, this);
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

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}
