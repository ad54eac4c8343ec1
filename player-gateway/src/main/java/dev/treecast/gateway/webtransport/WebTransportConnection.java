package dev.treecast.gateway.webtransport;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.moqlite.MoqLite;
import dev.treecast.relay.core.DownstreamSession;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.ScheduledFuture;

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
    private ScheduledFuture<?> handshakeTimer;
    private boolean admitted;
    /** We closed the connection ourselves (a limit), as opposed to HTTP/3 closing it for the viewer's error. */
    private boolean closedHere;

    WebTransportConnection(WebTransportAcceptor acceptor, QuicChannel channel) {
        this.acceptor = acceptor;
        this.channel = channel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        acceptor.connectionOpened();
        handshakeTimer = ctx.executor().schedule(this::handshakeTimedOut,
                acceptor.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The TLS handshake completed: the connection stays if the connection cap allows. */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        admitted = acceptor.admit();
        if (!admitted) {
            String what = "at most " + acceptor.maxConnections() + " connections (" + acceptor.maxSessions()
                    + " WebTransport sessions)";
            acceptor.limitHit("sessions", describe(), "closed with H3_EXCESSIVE_LOAD: " + what);
            closedHere = true;
            channel.close(true, WebTransportErrors.H3_EXCESSIVE_LOAD,
                    Unpooled.copiedBuffer(what, StandardCharsets.UTF_8));
        }
        ctx.fireChannelActive();
    }

    /**
     * No SETUP in time: a session is closed with TIMEOUT (CLOSE_WEBTRANSPORT_SESSION), a connection that did not
     * even open one gets TIMEOUT in its CONNECTION_CLOSE.
     */
    private void handshakeTimedOut() {
        handshakeTimer = null;
        if (!channel.isOpen() || link != null && (link.isEnded() || link.session().setup() != null)) {
            return;
        }
        String what = "no " + (link == null ? "WebTransport session" : "SETUP") + " within "
                + acceptor.handshakeTimeout().toMillis() + " ms";
        acceptor.limitHit("handshake-timeout", describe(), "closed with TIMEOUT: " + what);
        if (link != null) {
            link.session().close(ErrorCode.TIMEOUT, what);
        } else {
            closedHere = true;
            channel.close(true, ErrorCode.TIMEOUT.code(), Unpooled.copiedBuffer(what, StandardCharsets.UTF_8));
        }
    }

    private String describe() {
        return "webtransport " + channel.remoteSocketAddress();
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

    /** Whatever way the connection ends, active or not (a failed handshake never was). */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
        acceptor.connectionClosed(admitted);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (channel.isTimedOut()) {
            // How a viewer whose network went away leaves: counted, not worth a WARN.
            acceptor.metrics().limitHit("idle-timeout");
        } else if (link == null && peerClose == null && !closedHere && !acceptor.isShuttingDown()
                && channel.parent() != null && channel.parent().isActive()) {
            // Nobody here closed it and the viewer did not: Netty's HTTP/3 did, for a connection error of the
            // viewer's (it has sent the code in CONNECTION_CLOSE already).
            acceptor.metrics().http3Error();
            LOG.debug("{}: closed by HTTP/3 for a connection error", describe());
        }
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
        // moq-lite when the client offers a version we speak (WebTransport subprotocol), treecast/1 otherwise.
        String moqLite = Subprotocols.choose(Subprotocols.offered(headers), MoqLite.PROTOCOLS);
        HttpResponseStatus refusal = null;
        if (method == null || !HttpMethod.CONNECT.asciiName().contentEquals(method)) {
            refusal = HttpResponseStatus.METHOD_NOT_ALLOWED;
        } else if (protocol == null || !PROTOCOL.contentEquals(protocol)) {
            refusal = HttpResponseStatus.BAD_REQUEST;
        } else if (moqLite == null && !path.startsWith(PATH_PREFIX)) {
            refusal = HttpResponseStatus.NOT_FOUND;
        } else if (link != null) {
            // One session per connection (we advertise WT_MAX_SESSIONS = 1): a second CONNECT is refused.
            refusal = HttpResponseStatus.TOO_MANY_REQUESTS;
        } else if (acceptor.isShuttingDown()) {
            refusal = HttpResponseStatus.SERVICE_UNAVAILABLE;
        } else if (acceptor.sessionCount() >= acceptor.maxSessions()) {
            refusal = HttpResponseStatus.SERVICE_UNAVAILABLE;
            acceptor.limitHit("sessions", describe(), "CONNECT refused with 503: at most " + acceptor.maxSessions()
                    + " WebTransport sessions");
        }
        AccessToken.Check access = null;
        if (refusal == null) {
            // The viewer's token, before the session exists: refused, nothing else flows (see Admission).
            QueryStringDecoder uri = new QueryStringDecoder(path);
            List<String> tokens = uri.parameters().get(Gateway.TOKEN_PARAMETER);
            // A moq-lite session names its broadcasts per SUBSCRIBE, where the token's broadcast is checked.
            String broadcast = moqLite != null ? null : uri.path().substring(PATH_PREFIX.length());
            if (broadcast != null && !TrackName.isValidName(broadcast, TrackName.MAX_BROADCAST)) {
                broadcast = "(not a broadcast name)"; // matches no token, and keeps the peer's bytes out of logs
            }
            access = acceptor.core().admission().viewer(tokens == null || tokens.isEmpty() ? null : tokens.get(0),
                    broadcast);
            if (!access.ok()) {
                refusal = HttpResponseStatus.valueOf(access.failure().httpStatus());
                acceptor.metrics().authRefused(access.failure().tag());
                acceptor.core().admission().log(access, describe(), "CONNECT " + uri.path() + " answered "
                        + refusal.code());
            }
        }
        if (refusal != null) {
            acceptor.metrics().connectRefused(refusal.code());
            LOG.debug("refused {} {} :protocol={} from {}: {}", method, uriPathOnly(path), protocol,
                    channel.remoteSocketAddress(), refusal);
            Http3HeadersFrame response = new DefaultHttp3HeadersFrame();
            response.headers().status(refusal.codeAsText());
            if (access != null && !access.ok()) {
                // For clients that can read them (browsers cannot: their WebTransport API shows no status).
                response.headers().set(Gateway.REFUSAL_CODE_HEADER,
                        Integer.toString(access.failure().code().code()));
                response.headers().set(Gateway.REFUSAL_REASON_HEADER, access.reason());
            }
            ctx.writeAndFlush(response).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            // RFC 9114 §4.1.2: a complete response may precede the request's end; ask the client to stop sending.
            stream.shutdownInput(WebTransportErrors.H3_NO_ERROR);
            return null;
        }
        int query = path.indexOf('?');
        link = new WebTransportLink(acceptor, stream, query < 0 ? path : path.substring(0, query));
        DownstreamSession session = new DownstreamSession(acceptor.core(), link);
        session.authorize(access.token());
        link.attach(session);
        MoqLiteSession lite = null;
        if (moqLite != null) {
            lite = new MoqLiteSession(link, link.path());
            link.speakMoqLite(lite);
            acceptor.metrics().moqLiteSessionOpened();
        }
        acceptor.opened(link);
        Http3HeadersFrame response = new DefaultHttp3HeadersFrame();
        response.headers().status(HttpResponseStatus.OK.codeAsText());
        response.headers().set(DRAFT_HEADER, DRAFT_VALUE);
        if (moqLite != null) {
            Subprotocols.answer(response.headers(), moqLite);
        }
        ctx.writeAndFlush(response);
        if (lite != null) {
            lite.start();
        }
        return link;
    }

    /** The path without its query, which may hold a token: never logged. */
    private static String uriPathOnly(String path) {
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
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
        if (link.moqLite() != null) {
            // moq-lite: every bidirectional stream is a request of its own (announce, track, subscribe, ...).
            link.moqLite().onStream(stream);
            return true;
        }
        if (link.hasControlStream()) {
            refuse(stream, "extra-bidi", WebTransportErrors.H3_STREAM_CREATION_ERROR);
            return false;
        }
        link.attachControl(stream);
        return true;
    }

    /** The moq-lite side of this connection's session {@code sessionId}, or null (none, or treecast/1). */
    MoqLiteSession moqLiteSession(long sessionId) {
        return link == null || link.sessionId() != sessionId || link.isEnded() ? null : link.moqLite();
    }

    /** A stream of the viewer's was refused (counted by kind). */
    void refusedStream(String kind) {
        acceptor.metrics().streamRefused(kind);
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
