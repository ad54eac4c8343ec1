package dev.treecast.gateway.client;

import dev.treecast.gateway.webtransport.CapsuleDecoder;
import dev.treecast.gateway.Gateway;
import dev.treecast.protocol.ProtocolException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicStreamResetException;

/**
 * The client's end of the extended CONNECT stream: the response status, then for the session's life the capsules
 * the server sends in DATA frames (RFC 9297 §3.2), then its FIN. Hands each event to the session.
 */
final class ConnectStreamHandler extends Http3RequestStreamInboundHandler {
    private final WebTransportSession session;
    private final CapsuleDecoder capsules = new CapsuleDecoder();
    private boolean answered;
    private boolean reset;

    ConnectStreamHandler(WebTransportSession session) {
        this.session = session;
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
        if (answered) {
            return; // trailers: nothing in them matters to a session
        }
        CharSequence status = frame.headers().status();
        int code;
        try {
            code = status == null ? 0 : Integer.parseInt(status.toString());
        } catch (NumberFormatException e) {
            code = 0;
        }
        if (code >= 100 && code < 200) {
            return; // interim response (RFC 9114 §4.1): the final one follows
        }
        answered = true;
        CharSequence error = frame.headers().get(Gateway.REFUSAL_CODE_HEADER);
        CharSequence reason = frame.headers().get(Gateway.REFUSAL_REASON_HEADER);
        session.onConnectResponse(code, error == null ? null : error.toString(),
                reason == null ? null : reason.toString());
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
        try {
            if (!capsules.isClosed()) {
                capsules.decode(frame.content(), session::onCapsule);
            }
        } catch (ProtocolException e) {
            session.onConnectStreamError(e);
        } finally {
            frame.release();
        }
    }

    @Override
    protected void channelInputClosed(ChannelHandlerContext ctx) {
        try {
            capsules.finish();
            session.onConnectFin();
        } catch (ProtocolException e) {
            session.onConnectStreamError(e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        capsules.release();
        session.onConnectStreamClosed(reset);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof QuicStreamResetException) {
            reset = true;
        }
        // Anything else is an HTTP/3 error of the stream: HTTP/3 has already reset it or closed the connection,
        // and the session hears of that through channelInactive.
    }
}
