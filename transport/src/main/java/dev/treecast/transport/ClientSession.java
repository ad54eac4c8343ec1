package dev.treecast.transport;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.Role;
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
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The subscribing side of a {@code treecast/1} session over raw QUIC: a relay's link to its parent, a native
 * viewer, a test subscriber. All callbacks run on the endpoint's event loop; public methods may be called from
 * any thread.
 */
public final class ClientSession implements SubscriberSession {

    /**
     * Session-level events given this {@code ClientSession} (any {@code SubscriberSession.Listener} of a supertype
     * is accepted too). Kept so that listeners written for raw QUIC read as before.
     */
    public interface Listener extends SubscriberSession.Listener<ClientSession> {
    }

    private final EventLoop loop;
    private final Options options;
    private final SubscriberSession.Listener<? super ClientSession> listener;
    private final Promise<ClientSession> ready;
    private final Map<Long, SubscriptionListener> subscriptions = new HashMap<>();
    private final AtomicLong nextSubscriptionId = new AtomicLong();
    private final InetSocketAddress remote;
    private QuicChannel connection;
    private Channel control;
    private SetupOk setupOk;
    private ErrorCode closeCode;
    private String closeReason;
    private boolean closed;
    private long heartbeatSequence;
    private ScheduledFuture<?> heartbeatTask;

    private ClientSession(EventLoop loop, InetSocketAddress remote, Options options,
                          SubscriberSession.Listener<? super ClientSession> listener) {
        this.loop = loop;
        this.remote = remote;
        this.options = options;
        this.listener = listener;
        this.ready = loop.newPromise();
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
                        session.ready.tryFailure(f.cause());
                    }
                });
        return session.ready;
    }

    private void onConnected(QuicChannel channel) {
        connection = channel;
        channel.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                ch.pipeline().addLast(new ControlStreamCodec(), new ControlHandler());
            }
        }).addListener((Future<QuicStreamChannel> f) -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
                channel.close();
                return;
            }
            control = f.getNow();
            control.writeAndFlush(new Setup(Alpn.VERSION_1, options.role(), options.nodeId(), options.rank()));
            if (!options.heartbeat().isZero()) {
                long every = options.heartbeat().toNanos();
                heartbeatTask = loop.scheduleAtFixedRate(this::sendHeartbeat, every, every, TimeUnit.NANOSECONDS);
            }
        });
    }

    private void sendHeartbeat() {
        if (control != null && control.isActive()) {
            control.writeAndFlush(new Heartbeat(heartbeatSequence++, 0, 0));
        }
    }

    /** The peer's node id from SETUP_OK. */
    @Override
    public String peerNodeId() {
        return setupOk == null ? null : setupOk.nodeId();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    /** Whether the session is up (SETUP_OK received, not closed). */
    @Override
    public boolean isOpen() {
        return setupOk != null && !closed;
    }

    /**
     * Subscribes to {@code track}; returns the subscription id. {@code listener} is called on the event loop.
     */
    @Override
    public long subscribe(TrackName track, StartPosition start, int priority, SubscriptionListener listener) {
        long id = nextSubscriptionId.getAndIncrement();
        run(() -> {
            if (closed) {
                listener.onSubscribeError(closeCode == null ? ErrorCode.UPSTREAM_LOST : closeCode,
                        "session closed");
                return;
            }
            subscriptions.put(id, listener);
            control.writeAndFlush(new Subscribe(id, track, start, priority));
        });
        return id;
    }

    /** Ends a subscription; objects already in flight for it are dropped. */
    @Override
    public void unsubscribe(long subscriptionId) {
        run(() -> {
            if (subscriptions.remove(subscriptionId) != null && !closed) {
                control.writeAndFlush(new Unsubscribe(subscriptionId));
            }
        });
    }

    /** Sends any control message (e.g. a HEARTBEAT with load figures). */
    @Override
    public void send(ControlMessage message) {
        run(() -> {
            if (!closed && control != null) {
                control.writeAndFlush(message);
            }
        });
    }

    /** Closes the session with {@code code}; for an error, an ERROR message carrying {@code reason} goes first. */
    @Override
    public void close(ErrorCode code, String reason) {
        run(() -> closeNow(code, reason));
    }

    @Override
    public void close() {
        close(ErrorCode.NO_ERROR, "closed");
    }

    /** Completes when the connection is closed. */
    @Override
    public Future<Void> closeFuture() {
        return connection == null ? loop.newSucceededFuture(null) : connection.closeFuture();
    }

    /** The underlying QUIC connection (for stats and tests). */
    public QuicChannel connection() {
        return connection;
    }

    private void closeNow(ErrorCode code, String reason) {
        if (connection == null) {
            ready.tryFailure(new IllegalStateException("closed before connecting: " + reason));
            return;
        }
        if (closeCode == null) {
            closeCode = code;
            closeReason = reason;
        }
        if (code != ErrorCode.NO_ERROR && control != null && control.isActive()) {
            control.writeAndFlush(new ErrorMessage(code, reason));
        }
        connection.close(true, code.code(), Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8));
    }

    private void run(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
        }
        ErrorCode code = closeCode == null ? ErrorCode.UPSTREAM_LOST : closeCode;
        String reason = closeReason == null ? "connection lost" : closeReason;
        ready.tryFailure(new SessionClosedException(code, reason));
        Map<Long, SubscriptionListener> pending = Map.copyOf(subscriptions);
        subscriptions.clear();
        listener.onClosed(this, code, reason);
        // Subscriptions still waiting for their reply learn that none will come.
        pending.values().forEach(l -> l.onSubscribeError(code, "session closed: " + reason));
    }

    private void protocolError(ProtocolException e) {
        closeNow(e.code(), e.getMessage());
    }

    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicConnectionCloseEvent close && closeCode == null) {
                closeCode = close.isApplicationClose() ? ErrorCode.of(close.error()) : ErrorCode.PROTOCOL_VIOLATION;
                closeReason = close.reason() == null ? "" : new String(close.reason(), StandardCharsets.UTF_8);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onClosed();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> implements GroupRouter {
        @Override
        protected void initChannel(QuicStreamChannel ch) {
            if (ch.type() != QuicStreamType.UNIDIRECTIONAL) {
                protocolError(new ProtocolException(ErrorCode.PROTOCOL_VIOLATION,
                        "the server may not open bidirectional streams"));
                return;
            }
            ch.config().setReadFrames(true);
            ch.pipeline().addLast(new GroupStreamReader(this,
                    new GroupStreamDecoder(ch.alloc(), options.maxPayload())));
        }

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public GroupReceiver open(GroupHeader header, QuicStreamChannel stream) {
            SubscriptionListener sub = subscriptions.get(header.subscriptionId());
            if (sub == null) {
                return null;
            }
            long group = header.group();
            return new GroupReceiver() {
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
            };
        }

        @Override
        public void onProtocolError(ProtocolException error) {
            protocolError(error);
        }
    }

    private final class ControlHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ControlMessage message = (ControlMessage) msg;
            if (setupOk == null) {
                if (message instanceof SetupOk ok) {
                    if (ok.version() != Alpn.VERSION_1) {
                        protocolError(new ProtocolException(ErrorCode.UNSUPPORTED_VERSION,
                                "server chose version " + ok.version()));
                        return;
                    }
                    setupOk = ok;
                    ready.trySuccess(ClientSession.this);
                } else if (message instanceof ErrorMessage error) {
                    closeCode = error.code();
                    closeReason = error.reason();
                } else {
                    protocolError(new ProtocolException(ErrorCode.PROTOCOL_VIOLATION,
                            "expected SETUP_OK, got " + message.type()));
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
                    closeCode = error.code();
                    closeReason = error.reason();
                    listener.onControl(ClientSession.this, message);
                }
                default -> listener.onControl(ClientSession.this, message);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (root instanceof ProtocolException e) {
                protocolError(e);
            } else {
                closeNow(ErrorCode.INTERNAL_ERROR, String.valueOf(root));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The control stream ending ends the session (RFC-style: the session lives as long as its control
            // stream).
            if (!closed && connection != null) {
                closeNow(closeCode == null ? ErrorCode.PROTOCOL_VIOLATION : closeCode,
                        closeReason == null ? "control stream closed" : closeReason);
            }
            ctx.fireChannelInactive();
        }
    }

    @Override
    public String toString() {
        return "ClientSession[" + remote + (setupOk == null ? "" : " " + setupOk.nodeId()) + "]";
    }
}
