package dev.treecast.gateway.webtransport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ProtocolException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;

/**
 * An HTTP/3 request stream: the extended CONNECT that opens a WebTransport session (answered by
 * {@link WebTransportConnection#onRequest}), then, for the session's life, the capsules the viewer sends in DATA
 * frames. FIN ends the session cleanly; a reset ends it abruptly.
 */
final class ConnectStreamHandler extends Http3RequestStreamInboundHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectStreamHandler.class);

    private final WebTransportConnection connection;
    private final CapsuleDecoder capsules = new CapsuleDecoder();
    private WebTransportLink link;
    private boolean answered;
    private boolean reset;

    ConnectStreamHandler(WebTransportConnection connection) {
        this.connection = connection;
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        if (answered) {
            return; // trailers: nothing in them matters to a session
        }
        answered = true;
        link = connection.onRequest(ctx, (QuicStreamChannel) ctx.channel(), frame.headers());
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        try {
            if (link != null && !link.isEnded()) {
                capsules.decode(frame.content(), link::onCapsule);
            }
        } catch (ProtocolException e) {
            link.onConnectStreamError(e);
        } finally {
            frame.release();
        }
    }

    @Override
    protected void channelInputClosed(ChannelHandlerContext ctx) {
        if (link == null) {
            return;
        }
        try {
            capsules.finish();
            link.onConnectFin();
        } catch (ProtocolException e) {
            link.onConnectStreamError(e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        capsules.release();
        if (link != null) {
            link.onConnectStreamClosed(reset);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof QuicStreamResetException) {
            reset = true;
        } else {
            LOG.debug("CONNECT stream error{}", link == null ? "" : " of " + link.describe(), cause);
        }
    }
}
