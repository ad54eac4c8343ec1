package dev.treecast.gateway.client;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.webtransport.Capsule;
import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.gateway.webtransport.WebTransportErrors;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberProtocol;
import dev.treecast.transport.SubscriberSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The browser's side of the gateway, in Java: a {@code treecast/1} subscriber inside a WebTransport session
 * (draft-ietf-webtrans-http3-02) over HTTP/3, so that a load test can run thousands of WebTransport viewers in one
 * process. Sessions share the event loop and UDP socket of a {@link QuicClientEndpoint} bound with ALPN {@code h3}
 * ({@link #bindEndpoint}); there is no thread per session.
 *
 * <p>The {@code treecast/1} conversation (setup, subscriptions, group routing, heartbeats, close code) is a
 * {@link SubscriberProtocol}; this class owns what WebTransport adds around it: the HTTP/3 connection, the CONNECT
 * stream and its capsules, the stream prefixes, the set-up timeout and the closing handshake.
 *
 * <p>A session goes: QUIC handshake; HTTP/3 SETTINGS both ways (ours announce WebTransport, and the extended CONNECT
 * waits for the server's, which must allow it); {@code CONNECT :protocol webtransport} to {@code /watch/<broadcast>};
 * on 200, the control stream (the first bidirectional stream, after {@code 0x41 | session id}) with SETUP →
 * SETUP_OK, SUBSCRIBE → SUBSCRIBE_OK / SUBSCRIBE_ERROR, HEARTBEATs; group streams arrive as the server's
 * unidirectional streams ({@code 0x54 | session id}, then the group stream exactly as over raw QUIC). Closing sends
 * CLOSE_WEBTRANSPORT_SESSION and FIN on the CONNECT stream; the QUIC connection (one session per connection) is
 * closed when the server finishes the stream too, or a second later.
 *
 * <p>Certificates are not verified (the endpoint trusts any server, as {@link QuicClientEndpoint} does): this is a
 * load-test client for our own gateways, not a browser.
 *
 * <p>All callbacks run on the endpoint's event loop; the public methods may be called from any thread.
 */
public final class WebTransportSession implements SubscriberSession {
    private static final Logger LOG = LoggerFactory.getLogger(WebTransportSession.class);
    /** A session not set up (SETUP_OK received) within this time is closed with TIMEOUT. */
    public static final Duration SETUP_TIMEOUT = Duration.ofSeconds(10);
    /** After our CLOSE, how long we wait for the server's FIN on the CONNECT stream before closing the connection. */
    static final long CLOSE_GRACE_MILLIS = 1000;
    /** Request header Chromium sends with a draft-02 session (FINDINGS.md); the gateway does not require it. */
    static final String DRAFT02_HEADER = "sec-webtransport-http3-draft02";

    private final InetSocketAddress remote;
    private final String authority;
    private final String path;
    private final SubscriberProtocol<WebTransportSession> protocol;
    private volatile QuicChannel connection;
    private QuicConnectionCloseEvent peerClose;
    private QuicStreamChannel connectStream;
    private volatile long sessionId = -1;
    private boolean connectFinSent;
    private ScheduledFuture<?> closeTimer;

    private WebTransportSession(EventLoop loop, InetSocketAddress remote, String authority, String path,
                                Options options, SubscriberSession.Listener<? super WebTransportSession> listener) {
        this.remote = remote;
        this.authority = authority;
        this.path = path;
        this.protocol = new SubscriberProtocol<>(this, loop, options, listener, new WebTransportCarrier());
    }

    /**
     * A UDP socket for WebTransport sessions on {@code loop}: ALPN {@code h3}, the receive windows of
     * {@link QuicSettings#DEFAULT} (what the server may send us), any number of connections.
     */
    public static QuicClientEndpoint bindEndpoint(EventLoop loop, InetSocketAddress bindAddress)
            throws InterruptedException {
        return QuicClientEndpoint.bind(loop, bindAddress, QuicSettings.DEFAULT, Gateway.ALPN_H3)
                .connectTimeout(SETUP_TIMEOUT);
    }

    /**
     * Opens a session to {@code url} ({@code https://host:port/watch/<broadcast>}, what
     * {@link Gateway#webTransportUrl} gives) and completes when SETUP_OK arrives, or fails with a
     * {@link SessionClosedException} saying why not (a refused CONNECT maps its status to a code: 404 NOT_FOUND,
     * 503 and 429 LIMIT_EXCEEDED, ...).
     *
     * @param endpoint bound with ALPN {@code h3} (see {@link #bindEndpoint})
     */
    public static Future<WebTransportSession> connect(QuicClientEndpoint endpoint, URI url, Options options,
                                                      Listener<? super WebTransportSession> listener) {
        if (!"https".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 0) {
            throw new IllegalArgumentException("expected https://host:port/path, got " + url);
        }
        InetSocketAddress remote = new InetSocketAddress(url.getHost(), url.getPort());
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        return connect(endpoint, remote, url.getHost() + ":" + url.getPort(), path, options, listener);
    }

    /**
     * Opens a session to {@code remote}, sending {@code authority} and {@code path} in the CONNECT (for when the URL's
     * host is not where the packets should go).
     */
    public static Future<WebTransportSession> connect(QuicClientEndpoint endpoint, InetSocketAddress remote,
                                                      String authority, String path, Options options,
                                                      Listener<? super WebTransportSession> listener) {
        WebTransportSession session = new WebTransportSession(endpoint.eventLoop(), remote, authority, path, options,
                listener);
        session.startSetupTimer();
        endpoint.connect(remote, session.new ConnectionInitializer(), PassThrough.INSTANCE)
                .addListener((Future<QuicChannel> f) -> {
                    if (!f.isSuccess()) {
                        session.protocol.ready().tryFailure(f.cause());
                        session.protocol.end(ErrorCode.UPSTREAM_LOST,
                                "cannot connect to " + remote + ": " + f.cause());
                    } else if (session.protocol.isClosed()) {
                        f.getNow().close();
                    }
                });
        return session.protocol.ready();
    }

    // ------------------------------------------------------------------------------------------ SubscriberSession

    @Override
    public long subscribe(TrackName track, StartPosition start, int priority, SubscriptionListener subscriber) {
        return protocol.subscribe(track, start, priority, subscriber);
    }

    @Override
    public void unsubscribe(long subscriptionId) {
        protocol.unsubscribe(subscriptionId);
    }

    @Override
    public void send(ControlMessage message) {
        protocol.send(message);
    }

    /**
     * Ends the session: for an error, an ERROR message with {@code reason} on the control stream first; then
     * CLOSE_WEBTRANSPORT_SESSION ({@code code}, {@code reason}) and FIN on the CONNECT stream. The listener hears
     * {@code onClosed} at once; the connection closes when the server has finished too (see {@link #closeFuture}).
     */
    @Override
    public void close(ErrorCode code, String reason) {
        protocol.close(code, reason);
    }

    @Override
    public boolean isOpen() {
        return protocol.isOpen();
    }

    @Override
    public String peerNodeId() {
        return protocol.peerNodeId();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public EventLoop eventLoop() {
        return protocol.eventLoop();
    }

    @Override
    public Future<Void> closeFuture() {
        QuicChannel c = connection;
        return c == null ? eventLoop().newSucceededFuture(null) : c.closeFuture();
    }

    /** The session id: the stream id of the CONNECT request (draft-02 §2), or -1 before the server accepted it. */
    public long sessionId() {
        return sessionId;
    }

    /** The underlying QUIC connection (for stats and tests). */
    public QuicChannel connection() {
        return connection;
    }

    // ------------------------------------------------------------------------------------------ set-up

    /** Closes with TIMEOUT a session not set up within {@link #SETUP_TIMEOUT}; any thread. */
    private void startSetupTimer() {
        ScheduledFuture<?> setupTimer = eventLoop().schedule(() -> {
            if (!protocol.ready().isDone()) {
                closeNow(ErrorCode.TIMEOUT, "no session within " + SETUP_TIMEOUT.toMillis() + " ms");
            }
        }, SETUP_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        protocol.ready().addListener(f -> setupTimer.cancel(false));
    }

    /** The server's SETTINGS arrived: if they allow WebTransport, send the extended CONNECT. */
    void onSettings(Map<Long, Long> settings) {
        if (protocol.isClosed() || connectStream != null) {
            return;
        }
        String refusal = ClientWire.refusalOf(settings);
        if (refusal != null) {
            closeNow(ErrorCode.UNSUPPORTED_VERSION, refusal);
            return;
        }
        Http3.newRequestStream(connection, new ConnectStreamHandler(this))
                .addListener((Future<QuicStreamChannel> f) -> {
                    if (!f.isSuccess()) {
                        closeNow(ErrorCode.INTERNAL_ERROR, "cannot open the CONNECT stream: " + f.cause());
                        return;
                    }
                    connectStream = f.getNow();
                    if (protocol.isClosed()) {
                        connectStream.close();
                        return;
                    }
                    Http3Headers headers = new DefaultHttp3HeadersFrame().headers();
                    // RFC 9220 §4 (extended CONNECT) with draft-02 §3.2's :protocol.
                    headers.method("CONNECT").protocol("webtransport").scheme("https").authority(authority)
                            .path(path);
                    headers.set(DRAFT02_HEADER, "1");
                    connectStream.writeAndFlush(new DefaultHttp3HeadersFrame(headers));
                });
    }

    /**
     * The CONNECT's final status: 200 opens the session and we open its control stream. A refusal may say why in
     * {@code treecast/1} terms ({@code error}, a wire code, and {@code reason}; null when it does not).
     */
    void onConnectResponse(int status, String error, String reason) {
        if (protocol.isClosed()) {
            return;
        }
        if (status != 200) {
            ErrorCode code = ClientWire.refusalCode(status);
            if (error != null) {
                try {
                    code = ErrorCode.of(Long.parseLong(error.trim()));
                } catch (NumberFormatException e) {
                    // keep the status's code
                }
            }
            int query = path.indexOf('?');
            closeNow(code, "CONNECT " + (query < 0 ? path : path.substring(0, query)) + " refused with status "
                    + status + (reason == null ? "" : ": " + reason));
            return;
        }
        sessionId = connectStream.streamId();
        connection.createStream(QuicStreamType.BIDIRECTIONAL, protocol.controlStreamInitializer())
                .addListener((Future<QuicStreamChannel> f) -> {
                    if (!f.isSuccess()) {
                        closeNow(ErrorCode.INTERNAL_ERROR, "cannot open the control stream: " + f.cause());
                        return;
                    }
                    QuicStreamChannel control = f.getNow();
                    ByteBuf first = control.alloc().directBuffer(StreamPrefix.bidirectionalLength(sessionId));
                    StreamPrefix.writeBidirectional(first, sessionId);
                    control.write(first);
                    protocol.start(control);
                });
    }

    /** The reader for a WebTransport stream the server opened, or a handler that refuses it. */
    ChannelHandler groupStreamHandler(QuicStreamChannel stream, long streamSessionId) {
        if (protocol.isClosed() || streamSessionId != sessionId) {
            stream.shutdownInput(WebTransportErrors.WEBTRANSPORT_SESSION_GONE);
            return Discard.INSTANCE;
        }
        return protocol.groupStreamReader(stream);
    }

    // ------------------------------------------------------------------------------------------ the end

    /** A capsule from the server: CLOSE_WEBTRANSPORT_SESSION ends the session; others are ignored (RFC 9297 §3.3). */
    void onCapsule(Capsule capsule) {
        if (!(capsule instanceof Capsule.CloseSession close) || protocol.isClosed()) {
            return;
        }
        // The ERROR message on the control stream, if one came first, says it in treecast/1 terms already.
        protocol.end(protocol.closeCodeOr(ErrorCode.of(close.code())), protocol.closeReasonOr(close.reason()));
        finishConnectStream();
        closeConnectionSoon();
    }

    /** The server FINed the CONNECT stream: with or without a capsule before it, the session is over. */
    void onConnectFin() {
        if (!protocol.isClosed()) {
            protocol.end(protocol.closeCodeOr(ErrorCode.NO_ERROR),
                    protocol.closeReasonOr("session ended by the server"));
        }
        finishConnectStream();
        closeConnectionSoon();
    }

    void onConnectStreamError(ProtocolException e) {
        closeNow(e.code(), e.getMessage());
    }

    /** The CONNECT stream is gone both ways (or was reset): nothing more will come on this connection. */
    void onConnectStreamClosed(boolean reset) {
        if (connection == null || !connection.isOpen()) {
            return; // the connection is closing; onConnectionClosed says why
        }
        if (!protocol.isClosed()) {
            protocol.end(protocol.closeCodeOr(reset ? ErrorCode.INTERNAL_ERROR : ErrorCode.NO_ERROR),
                    protocol.closeReasonOr(reset ? "CONNECT stream reset" : "CONNECT stream closed"));
        }
        closeConnectionNow();
    }

    private void onConnectionClosed() {
        if (closeTimer != null) {
            closeTimer.cancel(false);
        }
        if (protocol.isClosed()) {
            return;
        }
        ErrorCode known = protocol.closeCodeOr(null);
        if (known != null) {
            protocol.end(known, protocol.closeReasonOr(null));
        } else if (connection.isTimedOut()) {
            protocol.end(ErrorCode.TIMEOUT, "idle timeout");
        } else if (peerClose != null) {
            String reason = peerClose.reason() == null ? "" : new String(peerClose.reason(), StandardCharsets.UTF_8);
            protocol.end(ClientWire.connectionCloseCode(peerClose.isApplicationClose(), peerClose.error()),
                    "connection closed by the server (" + (peerClose.isApplicationClose() ? "application" : "QUIC")
                            + " code 0x" + Long.toHexString(peerClose.error()) + " " + reason + ")");
        } else {
            protocol.end(ErrorCode.UPSTREAM_LOST, "connection lost");
        }
    }

    /**
     * Ends the session here: ERROR on the control stream for an error, then CLOSE_WEBTRANSPORT_SESSION and FIN on the
     * CONNECT stream (or, without one, the connection closed at once).
     */
    private void closeNow(ErrorCode code, String reason) {
        if (protocol.isClosed()) {
            return;
        }
        protocol.closing(code, reason);
        protocol.end(code, reason);
        if (connectStream != null && connectStream.isActive() && !connectFinSent) {
            connectFinSent = true;
            Capsule.CloseSession close = Capsule.CloseSession.truncating(code.code(), reason);
            ByteBuf capsule = connectStream.alloc().directBuffer(close.encodedLength());
            close.encode(capsule);
            // FIN from the write's listener: shutting down output with writes queued can lose their tail.
            connectStream.writeAndFlush(new DefaultHttp3DataFrame(capsule))
                    .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            closeConnectionSoon();
        } else {
            closeConnectionNow();
        }
    }

    private void finishConnectStream() {
        if (connectFinSent || connectStream == null || !connectStream.isActive()) {
            return;
        }
        connectFinSent = true;
        connectStream.shutdownOutput();
    }

    private void closeConnectionSoon() {
        if (closeTimer == null && connection != null && connection.isOpen()) {
            closeTimer = eventLoop().schedule(this::closeConnectionNow, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void closeConnectionNow() {
        if (closeTimer != null) {
            closeTimer.cancel(false);
            closeTimer = null;
        }
        if (connection != null && connection.isOpen()) {
            connection.close(true, WebTransportErrors.H3_NO_ERROR, Unpooled.EMPTY_BUFFER);
        }
    }

    @Override
    public String toString() {
        String peer = protocol.peerNodeId();
        return "WebTransportSession[" + remote + path + (peer == null ? "" : " " + peer)
                + (sessionId < 0 ? "" : " session " + sessionId) + "]";
    }

    // ------------------------------------------------------------------------------------------ handlers

    /** The connection's pipeline: our stream sniffing first, then Netty's HTTP/3 client, then an error sink. */
    private final class ConnectionInitializer extends ChannelInitializer<QuicChannel> {
        @Override
        protected void initChannel(QuicChannel channel) {
            connection = channel;
            channel.pipeline().addLast(new ConnectionHandler(),
                    new Http3ClientConnectionHandler(new ServerControlStreamHandler(), null, null,
                            ClientWire.settingsFrame(), true, (id, value) -> true),
                    ErrorSink.INSTANCE);
        }
    }

    /**
     * First on the connection: switches each server-opened unidirectional stream to frames and puts a
     * {@link UniStreamSniffer} on it before HTTP/3 adds its own handlers; notes how the connection ends.
     */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof QuicStreamChannel stream && stream.type() == QuicStreamType.UNIDIRECTIONAL) {
                stream.config().setReadFrames(true);
                stream.pipeline().addLast(new UniStreamSniffer(WebTransportSession.this));
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
            onConnectionClosed();
            ctx.fireChannelInactive();
        }
    }

    /** Frames of the server's HTTP/3 control stream: SETTINGS start the session; the rest is released. */
    private final class ServerControlStreamHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http3SettingsFrame frame) {
                    Map<Long, Long> settings = new LinkedHashMap<>();
                    frame.forEach(e -> settings.put(e.getKey(), e.getValue()));
                    onSettings(settings);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /**
     * What the conversation needs of WebTransport: its closing handshake, and patience with a control stream that
     * fails while the session is being closed (the capsule says why).
     */
    private final class WebTransportCarrier implements SubscriberProtocol.Carrier {
        @Override
        public void closeNow(ErrorCode code, String reason) {
            WebTransportSession.this.closeNow(code, reason);
        }

        @Override
        public boolean isConnected() {
            return connection.isOpen();
        }

        @Override
        public void controlStreamFailed(Throwable cause) {
            if (!protocol.isClosed()) {
                LOG.debug("{}: control stream error: {}", WebTransportSession.this, cause.toString());
            }
        }
    }

    /** Last on the connection: HTTP/3 has acted on its errors already (closed the stream or the connection). */
    @ChannelHandler.Sharable
    private static final class ErrorSink extends ChannelInboundHandlerAdapter {
        static final ErrorSink INSTANCE = new ErrorSink();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("HTTP/3 connection error: {}", cause.toString());
        }
    }

    /** Server-opened streams get their handlers from {@link ConnectionHandler} and HTTP/3. */
    @ChannelHandler.Sharable
    private static final class PassThrough extends ChannelInboundHandlerAdapter {
        static final PassThrough INSTANCE = new PassThrough();
    }

    /** A refused stream's bytes go nowhere. */
    @ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset of a stream we already stopped: nothing to do.
        }
    }
}
