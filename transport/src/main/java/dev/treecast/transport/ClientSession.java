package dev.treecast.transport;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.StartPosition;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;

/**
 * The subscribing side of a {@code treecast/1} session over raw QUIC: a relay's link to its parent, a native
 * viewer, a test subscriber. The conversation (setup, subscriptions, group routing, heartbeats, close code) is a
 * {@link SubscriberProtocol}; this class owns the QUIC connection: it connects, opens the control stream as the first
 * bidirectional stream, reads every unidirectional stream the server opens as a group stream, and closes the session
 * by closing the connection with the application error code (after ERROR, for an error). All callbacks run on the
 * endpoint's event loop; public methods may be called from any thread.
 */
public final class ClientSession implements SubscriberSession {

    /**
     * Session-level events given this {@code ClientSession} (any {@code SubscriberSession.Listener} of a supertype
     * is accepted too). Kept so that listeners written for raw QUIC read as before.
     */
    public interface Listener extends SubscriberSession.Listener<ClientSession> {
    }

    private final InetSocketAddress remote;
    private final SubscriberProtocol<ClientSession> protocol;
    private QuicChannel connection;

    private ClientSession(EventLoop loop, InetSocketAddress remote, Options options,
                          SubscriberSession.Listener<? super ClientSession> listener) {
        this.remote = remote;
        this.protocol = new SubscriberProtocol<>(this, loop, options, listener, new QuicCarrier());
    }

    /**
     * Connects, sends SETUP and completes when SETUP_OK arrives (or fails with why the session could not start).
     */
    public static Future<ClientSession> connect(QuicClientEndpoint endpoint, InetSocketAddress remote,
                                                Options options,
                                                SubscriberSession.Listener<? super ClientSession> listener) {
        ClientSession session = new ClientSession(endpoint.eventLoop(), remote, options, listener);
        endpoint.connect(remote, session.new ConnectionHandler(), session.new StreamInitializer())
                .addListener((Future<QuicChannel> f) -> {
                    if (f.isSuccess()) {
                        session.onConnected(f.getNow());
                    } else {
                        session.protocol.ready().tryFailure(f.cause());
                    }
                });
        return session.protocol.ready();
    }

    private void onConnected(QuicChannel channel) {
        connection = channel;
        channel.createStream(QuicStreamType.BIDIRECTIONAL, protocol.controlStreamInitializer())
                .addListener((Future<QuicStreamChannel> f) -> {
                    if (f.isSuccess()) {
                        protocol.start(f.getNow());
                    } else {
                        protocol.ready().tryFailure(f.cause());
                        channel.close();
                    }
                });
    }

    /** The peer's node id from SETUP_OK. */
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

    /** Whether the session is up (SETUP_OK received, not closed). */
    @Override
    public boolean isOpen() {
        return protocol.isOpen();
    }

    /**
     * Subscribes to {@code track}; returns the subscription id. {@code listener} is called on the event loop.
     */
    @Override
    public long subscribe(TrackName track, StartPosition start, int priority, SubscriptionListener listener) {
        return protocol.subscribe(track, start, priority, listener);
    }

    /** Ends a subscription; objects already in flight for it are dropped. */
    @Override
    public void unsubscribe(long subscriptionId) {
        protocol.unsubscribe(subscriptionId);
    }

    /** Sends any control message (e.g. a HEARTBEAT with load figures). */
    @Override
    public void send(ControlMessage message) {
        protocol.send(message);
    }

    /** Closes the session with {@code code}; for an error, an ERROR message carrying {@code reason} goes first. */
    @Override
    public void close(ErrorCode code, String reason) {
        protocol.close(code, reason);
    }

    /** Completes when the connection is closed. */
    @Override
    public Future<Void> closeFuture() {
        return connection == null ? eventLoop().newSucceededFuture(null) : connection.closeFuture();
    }

    /** The underlying QUIC connection (for stats and tests). */
    public QuicChannel connection() {
        return connection;
    }

    @Override
    public String toString() {
        String peer = protocol.peerNodeId();
        return "ClientSession[" + remote + (peer == null ? "" : " " + peer) + "]";
    }

    /** Ends a raw QUIC session: CONNECTION_CLOSE with the application error code and the reason. */
    private final class QuicCarrier implements SubscriberProtocol.Carrier {
        @Override
        public void closeNow(ErrorCode code, String reason) {
            if (connection == null) {
                protocol.ready().tryFailure(new IllegalStateException("closed before connecting: " + reason));
                return;
            }
            protocol.closing(code, reason);
            connection.close(true, code.code(), Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8));
        }

        @Override
        public boolean isConnected() {
            return connection != null;
        }
    }

    /** Notes the peer's CONNECTION_CLOSE; the connection going inactive ends the session. */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicConnectionCloseEvent close) {
                protocol.recordClose(
                        close.isApplicationClose() ? ErrorCode.of(close.error()) : ErrorCode.PROTOCOL_VIOLATION,
                        close.reason() == null ? "" : new String(close.reason(), StandardCharsets.UTF_8));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            protocol.end(protocol.closeCodeOr(ErrorCode.UPSTREAM_LOST), protocol.closeReasonOr("connection lost"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Every stream the server opens is a group stream, read as frames so that FIN is told from a reset. */
    private final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> {
        @Override
        protected void initChannel(QuicStreamChannel ch) {
            if (ch.type() != QuicStreamType.UNIDIRECTIONAL) {
                protocol.close(ErrorCode.PROTOCOL_VIOLATION, "the server may not open bidirectional streams");
                return;
            }
            ch.config().setReadFrames(true);
            ch.pipeline().addLast(protocol.groupStreamReader(ch));
        }
    }
}
