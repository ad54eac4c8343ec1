package dev.treecast.gateway.client;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.SetupOk;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.protocol.control.SubscribeError;
import dev.treecast.protocol.control.SubscribeOk;
import dev.treecast.protocol.control.Unsubscribe;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.GroupStreamDecoder;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ControlStreamCodec;
import dev.treecast.transport.GroupReceiver;
import dev.treecast.transport.GroupRouter;
import dev.treecast.transport.GroupStreamReader;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.SubscriberSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
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
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The browser's side of the gateway, in Java: a {@code treecast/1} subscriber inside a WebTransport session
 * (draft-ietf-webtrans-http3-02) over HTTP/3, so that a load test can run thousands of WebTransport viewers in one
 * process. Sessions share the event loop and UDP socket of a {@link QuicClientEndpoint} bound with ALPN {@code h3}
 * ({@link #bindEndpoint}); there is no thread per session.
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

    private final EventLoop loop;
    private final InetSocketAddress remote;
    private final String authority;
    private final String path;
    private final Options options;
    private final SubscriberSession.Listener<? super WebTransportSession> listener;
    private final Promise<WebTransportSession> ready;
    private final Map<Long, SubscriptionListener> subscriptions = new HashMap<>();
    private final AtomicLong nextSubscriptionId = new AtomicLong();
    private final GroupRouter router = new Router();
    private volatile QuicChannel connection;
    private QuicConnectionCloseEvent peerClose;
    private QuicStreamChannel connectStream;
    private volatile long sessionId = -1;
    private QuicStreamChannel control;
    private volatile SetupOk setupOk;
    private volatile boolean ended;
    private ErrorCode closeCode;
    private String closeReason;
    private boolean connectFinSent;
    private long heartbeatSequence;
    private ScheduledFuture<?> heartbeatTask;
    private ScheduledFuture<?> setupTimer;
    private ScheduledFuture<?> closeTimer;

    private WebTransportSession(EventLoop loop, InetSocketAddress remote, String authority, String path,
                                Options options, SubscriberSession.Listener<? super WebTransportSession> listener) {
        this.loop = loop;
        this.remote = remote;
        this.authority = authority;
        this.path = path;
        this.options = options;
        this.listener = listener;
        this.ready = loop.newPromise();
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
        session.run(session::startSetupTimer);
        endpoint.connect(remote, session.new ConnectionInitializer(), PassThrough.INSTANCE)
                .addListener((Future<QuicChannel> f) -> {
                    if (!f.isSuccess()) {
                        session.ready.tryFailure(f.cause());
                        session.end(ErrorCode.UPSTREAM_LOST, "cannot connect to " + remote + ": " + f.cause());
                        session.cancelTimers();
                    } else if (session.ended) {
                        f.getNow().close();
                    }
                });
        return session.ready;
    }

    // ------------------------------------------------------------------------------------------ SubscriberSession

    @Override
    public long subscribe(TrackName track, StartPosition start, int priority, SubscriptionListener subscriber) {
        long id = nextSubscriptionId.getAndIncrement();
        run(() -> {
            if (ended || control == null) {
                subscriber.onSubscribeError(closeCode == null ? ErrorCode.UPSTREAM_LOST : closeCode,
                        ended ? "session closed" : "session not set up yet");
                return;
            }
            subscriptions.put(id, subscriber);
            control.writeAndFlush(new Subscribe(id, track, start, priority));
        });
        return id;
    }

    @Override
    public void unsubscribe(long subscriptionId) {
        run(() -> {
            if (subscriptions.remove(subscriptionId) != null && !ended && control != null) {
                control.writeAndFlush(new Unsubscribe(subscriptionId));
            }
        });
    }

    @Override
    public void send(ControlMessage message) {
        run(() -> {
            if (!ended && control != null) {
                control.writeAndFlush(message);
            }
        });
    }

    /**
     * Ends the session: for an error, an ERROR message with {@code reason} on the control stream first; then
     * CLOSE_WEBTRANSPORT_SESSION ({@code code}, {@code reason}) and FIN on the CONNECT stream. The listener hears
     * {@code onClosed} at once; the connection closes when the server has finished too (see {@link #closeFuture}).
     */
    @Override
    public void close(ErrorCode code, String reason) {
        run(() -> closeNow(code, reason));
    }

    @Override
    public boolean isOpen() {
        return setupOk != null && !ended;
    }

    @Override
    public String peerNodeId() {
        SetupOk ok = setupOk;
        return ok == null ? null : ok.nodeId();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public Future<Void> closeFuture() {
        QuicChannel c = connection;
        return c == null ? loop.newSucceededFuture(null) : c.closeFuture();
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

    private void startSetupTimer() {
        setupTimer = loop.schedule(() -> {
            if (!ready.isDone()) {
                closeNow(ErrorCode.TIMEOUT, "no session within " + SETUP_TIMEOUT.toMillis() + " ms");
            }
        }, SETUP_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The server's SETTINGS arrived: if they allow WebTransport, send the extended CONNECT. */
    void onSettings(Map<Long, Long> settings) {
        if (ended || connectStream != null) {
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
                    if (ended) {
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

    /** The CONNECT's final status: 200 opens the session and we open its control stream. */
    void onConnectResponse(int status) {
        if (ended) {
            return;
        }
        if (status != 200) {
            closeNow(ClientWire.refusalCode(status), "CONNECT " + path + " refused with status " + status);
            return;
        }
        sessionId = connectStream.streamId();
        connection.createStream(QuicStreamType.BIDIRECTIONAL, new ControlStreamInitializer())
                .addListener((Future<QuicStreamChannel> f) -> {
                    if (!f.isSuccess()) {
                        closeNow(ErrorCode.INTERNAL_ERROR, "cannot open the control stream: " + f.cause());
                        return;
                    }
                    control = f.getNow();
                    ByteBuf first = control.alloc().directBuffer(StreamPrefix.bidirectionalLength(sessionId));
                    StreamPrefix.writeBidirectional(first, sessionId);
                    control.write(first);
                    control.writeAndFlush(new Setup(Alpn.VERSION_1, options.role(), options.nodeId(),
                            options.rank()));
                    if (!options.heartbeat().isZero()) {
                        long every = options.heartbeat().toNanos();
                        heartbeatTask = loop.scheduleAtFixedRate(this::sendHeartbeat, every, every,
                                TimeUnit.NANOSECONDS);
                    }
                });
    }

    private void sendHeartbeat() {
        if (!ended && control != null && control.isActive()) {
            control.writeAndFlush(new Heartbeat(heartbeatSequence++, 0, 0));
        }
    }

    /** The reader for a WebTransport stream the server opened, or a handler that refuses it. */
    ChannelHandler groupStreamHandler(QuicStreamChannel stream, long streamSessionId) {
        if (ended || streamSessionId != sessionId) {
            stream.shutdownInput(WebTransportErrors.WEBTRANSPORT_SESSION_GONE);
            return Discard.INSTANCE;
        }
        return new GroupStreamReader(router, new GroupStreamDecoder(stream.alloc(), options.maxPayload()));
    }

    // ------------------------------------------------------------------------------------------ the end

    /** A capsule from the server: CLOSE_WEBTRANSPORT_SESSION ends the session; others are ignored (RFC 9297 §3.3). */
    void onCapsule(Capsule capsule) {
        if (!(capsule instanceof Capsule.CloseSession close) || ended) {
            return;
        }
        // The ERROR message on the control stream, if one came first, says it in treecast/1 terms already.
        end(closeCode != null ? closeCode : ErrorCode.of(close.code()),
                closeReason != null ? closeReason : close.reason());
        finishConnectStream();
        closeConnectionSoon();
    }

    /** The server FINed the CONNECT stream: with or without a capsule before it, the session is over. */
    void onConnectFin() {
        if (!ended) {
            end(closeCode != null ? closeCode : ErrorCode.NO_ERROR,
                    closeReason != null ? closeReason : "session ended by the server");
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
        if (!ended) {
            end(closeCode != null ? closeCode : reset ? ErrorCode.INTERNAL_ERROR : ErrorCode.NO_ERROR,
                    closeReason != null ? closeReason : reset ? "CONNECT stream reset" : "CONNECT stream closed");
        }
        closeConnectionNow();
    }

    private void onConnectionClosed() {
        cancelTimers();
        if (ended) {
            return;
        }
        if (closeCode != null) {
            end(closeCode, closeReason);
        } else if (connection.isTimedOut()) {
            end(ErrorCode.TIMEOUT, "idle timeout");
        } else if (peerClose != null) {
            String reason = peerClose.reason() == null ? "" : new String(peerClose.reason(), StandardCharsets.UTF_8);
            end(ClientWire.connectionCloseCode(peerClose.isApplicationClose(), peerClose.error()),
                    "connection closed by the server (" + (peerClose.isApplicationClose() ? "application" : "QUIC")
                            + " code 0x" + Long.toHexString(peerClose.error()) + " " + reason + ")");
        } else {
            end(ErrorCode.UPSTREAM_LOST, "connection lost");
        }
    }

    private void closeNow(ErrorCode code, String reason) {
        if (ended) {
            return;
        }
        if (closeCode == null) {
            closeCode = code;
            closeReason = reason;
        }
        if (code != ErrorCode.NO_ERROR && control != null && control.isActive()) {
            control.writeAndFlush(new ErrorMessage(code, truncate(reason, SubscribeError.MAX_REASON)));
        }
        end(code, reason);
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

    /** The session is over for its user: told once, with the best reason known. */
    private void end(ErrorCode code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        if (closeCode == null) {
            closeCode = code;
            closeReason = reason;
        }
        cancelHeartbeat();
        if (setupTimer != null) {
            setupTimer.cancel(false);
        }
        ready.tryFailure(new SessionClosedException(code, reason));
        LOG.debug("{}: session ended: {} {}", this, code, reason);
        Map<Long, SubscriptionListener> pending = new LinkedHashMap<>(subscriptions);
        subscriptions.clear();
        listener.onClosed(this, code, reason);
        // Subscriptions still waiting for their reply learn that none will come.
        pending.values().forEach(l -> l.onSubscribeError(code, "session closed: " + reason));
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
            closeTimer = loop.schedule(this::closeConnectionNow, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
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

    private void cancelHeartbeat() {
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
            heartbeatTask = null;
        }
    }

    private void cancelTimers() {
        cancelHeartbeat();
        if (setupTimer != null) {
            setupTimer.cancel(false);
        }
        if (closeTimer != null) {
            closeTimer.cancel(false);
            closeTimer = null;
        }
    }

    private void run(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private static String truncate(String text, int maxBytes) {
        if (ByteBufUtil.utf8Bytes(text) <= maxBytes) {
            return text;
        }
        return text.substring(0, Math.min(text.length(), maxBytes / 3));
    }

    @Override
    public String toString() {
        SetupOk ok = setupOk;
        return "WebTransportSession[" + remote + path + (ok == null ? "" : " " + ok.nodeId())
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

    private final class ControlStreamInitializer extends ChannelInitializer<QuicStreamChannel> {
        @Override
        protected void initChannel(QuicStreamChannel stream) {
            stream.pipeline().addLast(new ControlStreamCodec(), new ControlHandler());
        }
    }

    /** The {@code treecast/1} control stream: SETUP_OK first, then subscription replies and the rest. */
    private final class ControlHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ControlMessage message = (ControlMessage) msg;
            if (ended) {
                return;
            }
            if (setupOk == null) {
                if (message instanceof SetupOk ok) {
                    if (ok.version() != Alpn.VERSION_1) {
                        closeNow(ErrorCode.UNSUPPORTED_VERSION, "server chose version " + ok.version());
                        return;
                    }
                    setupOk = ok;
                    if (setupTimer != null) {
                        setupTimer.cancel(false);
                    }
                    ready.trySuccess(WebTransportSession.this);
                } else if (message instanceof ErrorMessage error) {
                    closeCode = error.code();
                    closeReason = error.reason();
                } else {
                    closeNow(ErrorCode.PROTOCOL_VIOLATION, "expected SETUP_OK, got " + message.type());
                }
                return;
            }
            switch (message) {
                case SubscribeOk ok -> {
                    SubscriptionListener sub = subscriptions.get(ok.subscriptionId());
                    if (sub != null) {
                        sub.onSubscribed(ok.latestGroup());
                    }
                }
                case SubscribeError error -> {
                    SubscriptionListener sub = subscriptions.remove(error.subscriptionId());
                    if (sub != null) {
                        sub.onSubscribeError(error.code(), error.reason());
                    }
                }
                case ErrorMessage error -> {
                    // The close that follows (capsule, FIN) is reported with this code and reason.
                    closeCode = error.code();
                    closeReason = error.reason();
                    listener.onControl(WebTransportSession.this, message);
                }
                default -> listener.onControl(WebTransportSession.this, message);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (root instanceof ProtocolException e) {
                closeNow(e.code(), e.getMessage());
            } else if (!ended) {
                // A STOP_SENDING or reset of the control stream while the session is closing: the capsule says why.
                LOG.debug("{}: control stream error: {}", WebTransportSession.this, root.toString());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The session lives as long as its control stream.
            if (!ended && connection.isOpen()) {
                closeNow(closeCode == null ? ErrorCode.PROTOCOL_VIOLATION : closeCode,
                        closeReason == null ? "control stream closed" : closeReason);
            }
            ctx.fireChannelInactive();
        }
    }

    /** Routes group streams to subscriptions, exactly as over raw QUIC. */
    private final class Router implements GroupRouter {
        @Override
        public GroupReceiver open(GroupHeader header, QuicStreamChannel stream) {
            SubscriptionListener sub = subscriptions.get(header.subscriptionId());
            if (sub == null) {
                return null;
            }
            return new Receiver(sub, header.group());
        }

        @Override
        public void onProtocolError(ProtocolException error) {
            closeNow(error.code(), error.getMessage());
        }
    }

    private record Receiver(SubscriptionListener sub, long group) implements GroupReceiver {
        @Override
        public void onObject(ObjectFrame object) {
            sub.onObject(group, object);
        }

        @Override
        public void onEnd() {
            sub.onGroupEnd(group, ErrorCode.NO_ERROR);
        }

        @Override
        public void onAbort(ErrorCode code, String reason) {
            sub.onGroupEnd(group, code);
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
