package dev.treecast.gateway.webtransport;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.GatewayMetrics;
import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.SubscribeError;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.core.DownstreamSession;
import dev.treecast.relay.core.SubscriberLink;
import dev.treecast.transport.ControlStreamCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamPriority;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One WebTransport session as the relay core sees it: {@code treecast/1} inside a session of an HTTP/3 connection.
 * The session id is the CONNECT stream's id; the first bidirectional stream the viewer opens in the session is the
 * control stream; group streams are server-initiated WebTransport unidirectional streams. It ends in one of three
 * ways, each counted once with its reason:
 * <ul>
 * <li>we close it ({@link #close}): ERROR on the control stream (for errors), CLOSE_WEBTRANSPORT_SESSION with the
 * code, FIN on the CONNECT stream, then the QUIC connection is closed once the viewer answers with its FIN (or a
 * moment later), since we carry one session per connection;</li>
 * <li>the viewer ends it (capsule, FIN, or its control stream ends);</li>
 * <li>the connection goes (idle timeout when the viewer vanished, or the viewer closed the connection).</li>
 * </ul>
 *
 * <p>Owned by the relay's event loop thread, like everything the core touches.
 */
final class WebTransportLink implements SubscriberLink {
    private static final Logger LOG = LoggerFactory.getLogger(WebTransportLink.class);
    /** How long we wait for the viewer's FIN on the CONNECT stream after our CLOSE before closing the connection. */
    static final long CLOSE_GRACE_MILLIS = 1000;

    private final WebTransportAcceptor acceptor;
    private final QuicChannel connection;
    private final QuicStreamChannel connectStream;
    private final String path;
    private DownstreamSession session;
    private QuicStreamChannel control;
    private boolean ended;
    private boolean connectFinSent;
    private ScheduledFuture<?> closeTimer;
    /** Bytes of control messages written that QUIC has not taken yet. */
    private long controlBacklog;
    /** Non-null when the session negotiated moq-lite: its streams and codec instead of {@code treecast/1}'s. */
    private MoqLiteSession moqLite;

    WebTransportLink(WebTransportAcceptor acceptor, QuicStreamChannel connectStream, String path) {
        this.acceptor = acceptor;
        this.connection = connectStream.parent();
        this.connectStream = connectStream;
        this.path = path;
    }

    void attach(DownstreamSession downstream) {
        this.session = downstream;
    }

    /** The session id: the stream id of the CONNECT request (draft-02 §2). */
    long sessionId() {
        return connectStream.streamId();
    }

    /** The CONNECT path, e.g. {@code /watch/live}. */
    String path() {
        return path;
    }

    boolean isEnded() {
        return ended;
    }

    boolean hasControlStream() {
        return control != null;
    }

    DownstreamSession session() {
        return session;
    }

    /** The session speaks moq-lite (negotiated at CONNECT): see {@link MoqLiteSession}. */
    void speakMoqLite(MoqLiteSession session) {
        moqLite = session;
    }

    /** The session's moq-lite side, or null for a {@code treecast/1} session. */
    MoqLiteSession moqLite() {
        return moqLite;
    }

    GatewayMetrics metrics() {
        return acceptor.metrics();
    }

    /** Opens a server-initiated WebTransport unidirectional stream of this session, its prefix written. */
    Future<QuicStreamChannel> openUniStream() {
        Promise<QuicStreamChannel> opened = connection.eventLoop().newPromise();
        long sessionId = sessionId();
        connection.createStream(QuicStreamType.UNIDIRECTIONAL, null).addListener((Future<QuicStreamChannel> f) -> {
            if (!f.isSuccess()) {
                opened.setFailure(f.cause());
                return;
            }
            ByteBuf prefix = f.getNow().alloc().directBuffer(StreamPrefix.unidirectionalLength(sessionId));
            StreamPrefix.writeUnidirectional(prefix, sessionId);
            f.getNow().write(prefix);
            opened.setSuccess(f.getNow());
        });
        return opened;
    }

    /** The viewer opened its control stream: from here on its bytes are {@code treecast/1} control messages. */
    void attachControl(QuicStreamChannel stream) {
        control = stream;
        stream.pipeline().addLast(new ControlStreamCodec(acceptor.core().limits().maxControlBuffer()),
                new ControlStreamHandler(this));
    }

    // ------------------------------------------------------------------------------------------ SubscriberLink

    @Override
    public Future<QuicStreamChannel> openGroupStream(GroupHeader header, QuicStreamPriority priority) {
        Promise<QuicStreamChannel> opened = connection.eventLoop().newPromise();
        long sessionId = sessionId();
        if (moqLite != null) {
            moqLite.onGroupOpening(header.subscriptionId(), header.group());
        }
        connection.createStream(QuicStreamType.UNIDIRECTIONAL, null).addListener((Future<QuicStreamChannel> f) -> {
            if (!f.isSuccess()) {
                opened.setFailure(f.cause());
                return;
            }
            QuicStreamChannel stream = f.getNow();
            stream.updatePriority(priority);
            ByteBuf prefix;
            if (moqLite != null) {
                prefix = stream.alloc().directBuffer(StreamPrefix.unidirectionalLength(sessionId)
                        + MoqLiteSession.groupHeaderLength(header.subscriptionId(), header.group()));
                StreamPrefix.writeUnidirectional(prefix, sessionId);
                MoqLiteSession.writeGroupHeader(prefix, header.subscriptionId(), header.group());
            } else {
                prefix = stream.alloc().directBuffer(
                        StreamPrefix.unidirectionalLength(sessionId) + header.encodedLength());
                StreamPrefix.writeUnidirectional(prefix, sessionId);
                header.encode(prefix);
            }
            stream.write(prefix);
            acceptor.metrics().groupStreamOpened();
            opened.setSuccess(stream);
        });
        return opened;
    }

    @Override
    public boolean canOpenStream() {
        return !ended && connection.peerAllowedStreams(QuicStreamType.UNIDIRECTIONAL) > 0;
    }

    @Override
    public ByteBuf encodeObject(ObjectFrame object, ObjectFrame previous) {
        return moqLite != null ? MoqLiteSession.frame(object, previous) : SubscriberLink.super.encodeObject(object,
                previous);
    }

    @Override
    public void send(ControlMessage message) {
        if (moqLite != null) {
            if (!ended) {
                moqLite.send(message);
            }
            return;
        }
        if (!ended && control != null && control.isActive()) {
            int length = ControlCodec.encodedLength(message);
            controlBacklog += length;
            control.writeAndFlush(message).addListener(f -> controlBacklog -= length);
        }
    }

    @Override
    public long controlBacklog() {
        return controlBacklog;
    }

    /** Ends the session from our side with {@code code} (a {@code treecast/1} error code, or NO_ERROR). */
    @Override
    public void close(ErrorCode code, String reason) {
        if (ended) {
            return;
        }
        CloseReason why = switch (code) {
            case NO_ERROR -> CloseReason.CLEAN;
            case GOING_AWAY -> CloseReason.SHUTDOWN;
            case INTERNAL_ERROR -> CloseReason.INTERNAL_ERROR;
            case TIMEOUT, LIMIT_EXCEEDED -> CloseReason.LIMIT;
            case UNAUTHORIZED, TOKEN_EXPIRED, FORBIDDEN -> CloseReason.UNAUTHORIZED;
            default -> CloseReason.PROTOCOL_ERROR;
        };
        if (why == CloseReason.PROTOCOL_ERROR) {
            acceptor.metrics().protocolError(code);
        }
        if (code != ErrorCode.NO_ERROR && control != null && control.isActive()) {
            // The reason in treecast/1 terms, for clients that read the control stream rather than the capsule.
            control.writeAndFlush(new ErrorMessage(code, truncate(reason, SubscribeError.MAX_REASON)));
        }
        end(why);
        if (control != null && control.isActive()) {
            control.shutdownInput(WebTransportErrors.WEBTRANSPORT_SESSION_GONE);
        }
        sendClose(Capsule.CloseSession.truncating(code.code(), reason));
        closeConnectionSoon();
    }

    @Override
    public EventLoop eventLoop() {
        return connection.eventLoop();
    }

    @Override
    public java.net.InetSocketAddress remoteAddress() {
        return (java.net.InetSocketAddress) connection.remoteSocketAddress();
    }

    @Override
    public String describe() {
        return "webtransport " + connection.remoteSocketAddress() + " " + path;
    }

    // ------------------------------------------------------------------------------------------ transport events

    /** A capsule arrived on the CONNECT stream. */
    void onCapsule(Capsule capsule) {
        if (capsule instanceof Capsule.CloseSession close) {
            LOG.debug("{}: viewer closed the session: {}", describe(), close);
            endedByPeer(CloseReason.CLEAN);
        }
        // Unknown capsules (GREASE, DRAIN, ...) are ignored (RFC 9297 §3.3).
    }

    /** The viewer FINed the CONNECT stream: the same as CLOSE_WEBTRANSPORT_SESSION with code 0 (draft-02 §5). */
    void onConnectFin() {
        endedByPeer(CloseReason.CLEAN);
    }

    /** The CONNECT stream carried malformed capsules. */
    void onConnectStreamError(ProtocolException e) {
        if (!ended) {
            session.onProtocolError(e);
        }
    }

    /** The CONNECT stream is gone: reset by the viewer, or both sides finished after a close. */
    void onConnectStreamClosed(boolean reset) {
        if (!connection.isOpen()) {
            return; // the connection is closing; onConnectionClosed says why
        }
        if (!ended) {
            endedByPeer(reset ? CloseReason.RESET : CloseReason.CLEAN);
        }
        // Both directions of the CONNECT stream are done: nothing more will come on this connection.
        closeConnectionNow();
    }

    /** The control stream ended (FIN, reset or closed): the session lives as long as its control stream. */
    void onControlStreamEnded() {
        if (ended || !connection.isOpen()) {
            return;
        }
        session.close(ErrorCode.NO_ERROR, "control stream closed");
    }

    /** The QUIC connection is closed; {@code reason} says how. */
    void onConnectionClosed(CloseReason reason) {
        cancelCloseTimer();
        if (ended) {
            return;
        }
        end(reason);
        session.onClosed();
    }

    // ------------------------------------------------------------------------------------------ internals

    private void endedByPeer(CloseReason reason) {
        if (ended) {
            return;
        }
        end(reason);
        session.onClosed();
        finishConnectStream();
        closeConnectionSoon();
    }

    private void end(CloseReason reason) {
        ended = true;
        acceptor.ended(this, reason);
    }

    private void sendClose(Capsule.CloseSession close) {
        if (connectFinSent || !connectStream.isActive()) {
            return;
        }
        connectFinSent = true;
        ByteBuf capsule = connectStream.alloc().directBuffer(close.encodedLength());
        close.encode(capsule);
        // FIN from the write's listener: shutting down output with writes queued can lose their tail.
        connectStream.writeAndFlush(new DefaultHttp3DataFrame(capsule))
                .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }

    private void finishConnectStream() {
        if (connectFinSent || !connectStream.isActive()) {
            return;
        }
        connectFinSent = true;
        connectStream.shutdownOutput();
    }

    private void closeConnectionSoon() {
        if (acceptor.isShuttingDown() || !connectStream.isActive()) {
            // Closing flushes what is queued (the capsule) before CONNECTION_CLOSE.
            connection.eventLoop().execute(this::closeConnectionNow);
            return;
        }
        if (closeTimer == null) {
            closeTimer = connection.eventLoop().schedule(this::closeConnectionNow, CLOSE_GRACE_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    private void closeConnectionNow() {
        cancelCloseTimer();
        if (connection.isOpen()) {
            connection.close(true, WebTransportErrors.H3_NO_ERROR, Unpooled.EMPTY_BUFFER);
        }
    }

    private void cancelCloseTimer() {
        if (closeTimer != null) {
            closeTimer.cancel(false);
            closeTimer = null;
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
        return "WebTransportLink[" + describe() + ", session " + sessionId() + (ended ? ", ended" : "") + "]";
    }
}
