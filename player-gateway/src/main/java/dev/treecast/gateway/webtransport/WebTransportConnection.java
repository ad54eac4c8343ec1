package dev.treecast.gateway.webtransport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.relay.core.DownstreamSession;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * One viewer's HTTP/3 connection, first in the {@link QuicChannel}'s pipeline (ahead of Netty's
 * {@code Http3ServerConnectionHandler}): it puts a {@link BidiStreamSniffer} on every bidirectional stream before
 * HTTP/3 sees it, answers extended CONNECTs, owns the connection's one session, and turns the connection's end
 * into the session's (telling an idle timeout from a close).
 */
final class WebTransportConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(WebTransportConnection.class);
    /** The :protocol of a WebTransport extended CONNECT (draft-02 §3.2). */
    static final String PROTOCOL = "webtransport";
    /** Session paths; the rest of the path names the broadcast. */
    static final String PATH_PREFIX = "/watch/";
    /** Response header announcing the draft we speak (draft-02 §3.2). */
    static final String DRAFT_HEADER = "sec-webtransport-http3-draft";
    static final String DRAFT_VALUE = "draft02";

    private final WebTransportAcceptor acceptor;
    private final QuicChannel channel;
    private WebTransportLink link;
    private QuicConnectionCloseEvent peerClose;

    WebTransportConnection(WebTransportAcceptor acceptor, QuicChannel channel) {
        this.acceptor = acceptor;
        this.channel = channel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof QuicStreamChannel stream && stream.type() == QuicStreamType.BIDIRECTIONAL) {
            stream.pipeline().addLast(new BidiStreamSniffer(this));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof QuicConnectionCloseEvent close) {
            peerClose = close;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (link != null) {
            CloseReason reason = channel.isTimedOut() ? CloseReason.IDLE_TIMEOUT : CloseReason.CONNECTION_CLOSED;
            if (!link.isEnded()) {
                LOG.debug("{}: connection ended ({}, peer close {})", link.describe(), reason.tag(), peerClose);
            }
            link.onConnectionClosed(reason);
        }
        ctx.fireChannelInactive();
    }

    /**
     * An HTTP/3 request: an extended CONNECT to {@code /watch/...} opens this connection's session (200, no FIN);
     * anything else is answered with an error status and FIN.
     *
     * @return the new session, or null if refused
     */
    WebTransportLink onRequest(ChannelHandlerContext ctx, QuicStreamChannel stream, Http3Headers headers) {
        CharSequence method = headers.method();
        CharSequence protocol = headers.protocol();
        String path = headers.path() == null ? "" : headers.path().toString();
        HttpResponseStatus refusal = null;
        if (method == null || !HttpMethod.CONNECT.asciiName().contentEquals(method)) {
            refusal = HttpResponseStatus.METHOD_NOT_ALLOWED;
        } else if (protocol == null || !PROTOCOL.contentEquals(protocol)) {
            refusal = HttpResponseStatus.BAD_REQUEST;
        } else if (!path.startsWith(PATH_PREFIX)) {
            refusal = HttpResponseStatus.NOT_FOUND;
        } else if (link != null) {
            // One session per connection (we advertise WT_MAX_SESSIONS = 1): a second CONNECT is refused.
            refusal = HttpResponseStatus.TOO_MANY_REQUESTS;
        } else if (acceptor.sessionCount() >= acceptor.maxSessions() || acceptor.isShuttingDown()) {
            refusal = HttpResponseStatus.SERVICE_UNAVAILABLE;
        }
        if (refusal != null) {
            acceptor.metrics().connectRefused(refusal.code());
            LOG.debug("refused {} {} :protocol={} from {}: {}", method, path, protocol, channel.remoteSocketAddress(),
                    refusal);
            Http3HeadersFrame response = new DefaultHttp3HeadersFrame();
            response.headers().status(refusal.codeAsText());
            ctx.writeAndFlush(response).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            // RFC 9114 §4.1.2: a complete response may precede the request's end; ask the client to stop sending.
            stream.shutdownInput(WebTransportErrors.H3_NO_ERROR);
            return null;
        }
        int query = path.indexOf('?');
        link = new WebTransportLink(acceptor, stream, query < 0 ? path : path.substring(0, query));
        link.attach(new DownstreamSession(acceptor.core(), link));
        acceptor.opened(link);
        Http3HeadersFrame response = new DefaultHttp3HeadersFrame();
        response.headers().status(HttpResponseStatus.OK.codeAsText());
        response.headers().set(DRAFT_HEADER, DRAFT_VALUE);
        ctx.writeAndFlush(response);
        return link;
    }

    /**
     * A WebTransport bidirectional stream (its prefix already read and its HTTP/3 handlers gone). The first one of
     * the session becomes its control stream; others are refused.
     *
     * @return whether the stream was taken (its remaining bytes should be passed on)
     */
    boolean onWebTransportStream(QuicStreamChannel stream, long sessionId) {
        if (link == null || link.sessionId() != sessionId || link.isEnded()) {
            refuse(stream, "unknown-session", WebTransportErrors.WEBTRANSPORT_SESSION_GONE);
            return false;
        }
        if (link.hasControlStream()) {
            refuse(stream, "extra-bidi", WebTransportErrors.H3_STREAM_CREATION_ERROR);
            return false;
        }
        link.attachControl(stream);
        return true;
    }

    private void refuse(QuicStreamChannel stream, String kind, int code) {
        acceptor.metrics().streamRefused(kind);
        stream.pipeline().addLast(new RefusedStreamHandler(code));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection error from {}", channel.remoteSocketAddress(), cause);
        ctx.fireExceptionCaught(cause);
    }
}
