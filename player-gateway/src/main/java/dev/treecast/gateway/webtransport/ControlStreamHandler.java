package dev.treecast.gateway.webtransport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.control.ControlMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.quic.QuicStreamResetException;

/**
 * The end of a session's control stream pipeline (after {@code ControlStreamCodec}): hands each message to the
 * session; a malformed stream is the session's protocol error; the stream ending ends the session.
 */
final class ControlStreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ControlStreamHandler.class);

    private final WebTransportLink link;

    ControlStreamHandler(WebTransportLink link) {
        this.link = link;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        link.session().onControl((ControlMessage) msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownReadComplete.INSTANCE) {
            link.onControlStreamEnded();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolException e) {
            link.session().onProtocolError(e);
        } else if (root instanceof QuicStreamResetException) {
            link.onControlStreamEnded();
        } else {
            LOG.debug("control stream error from {}", link.describe(), root);
            link.session().close(ErrorCode.INTERNAL_ERROR, "control stream failed");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        link.onControlStreamEnded();
        ctx.fireChannelInactive();
    }
}
