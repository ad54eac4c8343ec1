package dev.treecast.gateway.webtransport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Stops a peer stream we do not take: STOP_SENDING (and, for a bidirectional stream, RESET_STREAM) with
 * {@code errorCode}, dropping whatever already arrived. Viewers only receive media, so a WebTransport
 * unidirectional stream from one (type 0x54), or any unknown HTTP/3 stream type (RFC 9114 §6.2: "SHOULD use
 * H3_STREAM_CREATION_ERROR"), ends here; the session itself goes on.
 */
final class RefusedStreamHandler extends ChannelInboundHandlerAdapter {
    private final int errorCode;

    RefusedStreamHandler(int errorCode) {
        this.errorCode = errorCode;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isRegistered()) {
            refuse(ctx);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        refuse(ctx);
        ctx.fireChannelRegistered();
    }

    private void refuse(ChannelHandlerContext ctx) {
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        if (stream.isInputShutdown()) {
            return;
        }
        if (stream.type() == io.netty.handler.codec.quic.QuicStreamType.BIDIRECTIONAL) {
            stream.shutdown(errorCode);
        } else {
            stream.shutdownInput(errorCode);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset of a stream we already refused: nothing to do.
    }
}
