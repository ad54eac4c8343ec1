package dev.treecast.transport;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import dev.treecast.transport.SubscriberSession.SubscriptionListener;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The subscribing side of the {@code treecast/1} conversation, whatever carries it. One instance per
 * {@link SubscriberSession}; the session (raw QUIC: {@link ClientSession}; WebTransport: the gateway module's client)
 * drives it, answers it through a {@link Carrier} and keeps only what differs: how the connection is made, how the
 * control stream is opened and group streams are recognised, how the session is closed.
 *
 * <p>This class owns the conversation: SETUP → SETUP_OK and the {@link #ready()} promise; the subscriptions by id,
 * the routing of their replies and of group streams to them; the HEARTBEAT schedule; the close code and reason, and
 * telling the listener and the subscriptions still waiting for a reply, once, that the session ended ({@link #end}).
 *
 * <p>The carrier opens the control stream with {@link #controlStreamInitializer()}, hands it to {@link #start} once
 * writable, puts a {@link #groupStreamReader} on each group stream and calls {@link #end} when the session is over.
 * Everything runs on the event loop; {@link #subscribe}, {@link #unsubscribe}, {@link #send} and {@link #close} may be
 * called from any thread.
 *
 * @param <S> the session given to the listener
 */
public final class SubscriberProtocol<S extends SubscriberSession> {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriberProtocol.class);

    /** What the conversation asks of the transport that carries it; called on the event loop. */
    public interface Carrier {
        /**
         * Closes the session with {@code code}: calls {@link SubscriberProtocol#closing} (which records why and sends ERROR), then
         * closes the transport. The conversation calls this for the peer's protocol violations.
         */
        void closeNow(ErrorCode code, String reason);

        /** Whether the connection is still up: the control stream ending while it is ends the session. */
        boolean isConnected();

        /** The control stream failed with something other than a protocol error (a reset, say). */
        default void controlStreamFailed(Throwable cause) {
            closeNow(ErrorCode.INTERNAL_ERROR, String.valueOf(cause));
        }
    }

    private final S session;
    private final EventLoop loop;
    private final SubscriberSession.Options options;
    private final SubscriberSession.Listener<? super S> listener;
    private final Carrier carrier;
    private final Promise<S> ready;
    private final Map<Long, SubscriptionListener> subscriptions = new HashMap<>();
    private final AtomicLong nextSubscriptionId = new AtomicLong();
    private final GroupRouter router = new Router();
    private Channel control;
    private volatile SetupOk setupOk;
    private volatile boolean closed;
    private ErrorCode closeCode;
    private String closeReason;
    private long heartbeatSequence;
    private ScheduledFuture<?> heartbeatTask;

    public SubscriberProtocol(S session, EventLoop loop, SubscriberSession.Options options,
                              SubscriberSession.Listener<? super S> listener, Carrier carrier) {
        this.session = session;
        this.loop = loop;
        this.options = options;
        this.listener = listener;
        this.carrier = carrier;
        this.ready = loop.newPromise();
    }

    /** Completes with the session on SETUP_OK, or fails with why it could not start. */
    public Promise<S> ready() {
        return ready;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    /** Whether the session is up (SETUP_OK received, not ended). */
    public boolean isOpen() {
        return setupOk != null && !closed;
    }

    /** Whether the session has ended ({@link #end} was called). */
    public boolean isClosed() {
        return closed;
    }

    /** The peer's node id from SETUP_OK, or null before it. */
    public String peerNodeId() {
        SetupOk ok = setupOk;
        return ok == null ? null : ok.nodeId();
    }

    // ------------------------------------------------------------------------------------------ streams

    /** For {@code createStream}: the control stream's codec, then this conversation. */
    public ChannelHandler controlStreamInitializer() {
        return new ControlStreamInitializer();
    }

    /** The control stream is open (and whatever the carrier puts first is written): SETUP, then HEARTBEATs. */
    public void start(Channel controlStream) {
        control = controlStream;
        if (controlStream instanceof io.netty.handler.codec.quic.QuicStreamChannel quic) {
            quic.updatePriority(StreamPriorities.CONTROL);
        }
        control.writeAndFlush(new Setup(Alpn.VERSION_1, options.role(), options.nodeId(), options.rank(),
                options.token()));
        if (!closed && !options.heartbeat().isZero()) {
            long every = options.heartbeat().toNanos();
            heartbeatTask = loop.scheduleAtFixedRate(this::sendHeartbeat, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /** The reader for a group stream, from its first byte after any carrier prefix (it must read frames). */
    public ChannelHandler groupStreamReader(QuicStreamChannel stream) {
        return new GroupStreamReader(router, new GroupStreamDecoder(stream.alloc(), options.maxPayload()));
    }

    private void sendHeartbeat() {
        if (!closed && control != null && control.isActive()) {
            control.writeAndFlush(new Heartbeat(heartbeatSequence++, 0, 0));
        }
    }

    // ------------------------------------------------------------------------------------------ SubscriberSession

    /** See {@link SubscriberSession#subscribe}. */
    public long subscribe(TrackName track, StartPosition start, int priority,
                          SubscriptionListener subscriber) {
        long id = nextSubscriptionId.getAndIncrement();
        run(() -> {
            if (closed || control == null) {
                subscriber.onSubscribeError(closeCodeOr(ErrorCode.UPSTREAM_LOST),
                        closed ? "session closed" : "session not set up yet");
                return;
            }
            subscriptions.put(id, subscriber);
            control.writeAndFlush(new Subscribe(id, track, start, priority));
        });
        return id;
    }

    /** See {@link SubscriberSession#unsubscribe}. */
    public void unsubscribe(long subscriptionId) {
        run(() -> {
            if (subscriptions.remove(subscriptionId) != null && !closed && control != null) {
                control.writeAndFlush(new Unsubscribe(subscriptionId));
            }
        });
    }

    /** See {@link SubscriberSession#send}. */
    public void send(ControlMessage message) {
        run(() -> {
            if (!closed && control != null) {
                control.writeAndFlush(message);
            }
        });
    }

    /** Has the carrier close the session, on the event loop. */
    public void close(ErrorCode code, String reason) {
        run(() -> carrier.closeNow(code, reason));
    }

    private void run(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    // ------------------------------------------------------------------------------------------ the end

    /** Why the session closes, unless a reason is known already (the first one wins). */
    public void recordClose(ErrorCode code, String reason) {
        if (closeCode == null) {
            closeCode = code;
            closeReason = reason;
        }
    }

    /** The close code known so far (the peer's ERROR, the close in progress), else {@code otherwise}. */
    public ErrorCode closeCodeOr(ErrorCode otherwise) {
        return closeCode == null ? otherwise : closeCode;
    }

    /** The close reason known so far, else {@code otherwise}. */
    public String closeReasonOr(String otherwise) {
        return closeReason == null ? otherwise : closeReason;
    }

    /** The carrier is closing the session with {@code code}: records it and, for an error, sends ERROR first. */
    public void closing(ErrorCode code, String reason) {
        recordClose(code, reason);
        if (code != ErrorCode.NO_ERROR && control != null && control.isActive()) {
            control.writeAndFlush(new ErrorMessage(code, truncate(reason, SubscribeError.MAX_REASON)));
        }
    }

    /** The session is over for its user: told once, with {@code code} and {@code reason}. */
    public void end(ErrorCode code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        recordClose(code, reason);
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
        }
        ready.tryFailure(new SubscriberSession.SessionClosedException(code, reason));
        LOG.debug("{}: session ended: {} {}", session, code, reason);
        List<SubscriptionListener> pending = List.copyOf(subscriptions.values());
        subscriptions.clear();
        listener.onClosed(session, code, reason);
        // Subscriptions still waiting for their reply learn that none will come.
        pending.forEach(l -> l.onSubscribeError(code, "session closed: " + reason));
    }

    private static String truncate(String text, int maxBytes) {
        if (ByteBufUtil.utf8Bytes(text) <= maxBytes) {
            return text;
        }
        return text.substring(0, Math.min(text.length(), maxBytes / 3));
    }

    // ------------------------------------------------------------------------------------------ handlers

    private final class ControlStreamInitializer extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel stream) {
            stream.pipeline().addLast(new ControlStreamCodec(), new ControlHandler());
        }
    }

    /** The control stream: SETUP_OK first, then subscription replies and the rest. */
    private final class ControlHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ControlMessage message = (ControlMessage) msg;
            if (closed) {
                return;
            }
            if (setupOk == null) {
                if (message instanceof SetupOk ok) {
                    if (ok.version() != Alpn.VERSION_1) {
                        carrier.closeNow(ErrorCode.UNSUPPORTED_VERSION, "server chose version " + ok.version());
                        return;
                    }
                    setupOk = ok;
                    ready.trySuccess(session);
                } else if (message instanceof ErrorMessage error) {
                    closeCode = error.code();
                    closeReason = error.reason();
                } else {
                    carrier.closeNow(ErrorCode.PROTOCOL_VIOLATION, "expected SETUP_OK, got " + message.type());
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
                    // The close that follows is reported with this code and reason.
                    closeCode = error.code();
                    closeReason = error.reason();
                    listener.onControl(session, message);
                }
                default -> listener.onControl(session, message);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (root instanceof ProtocolException e) {
                carrier.closeNow(e.code(), e.getMessage());
            } else {
                carrier.controlStreamFailed(root);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The session lives as long as its control stream.
            if (!closed && carrier.isConnected()) {
                carrier.closeNow(closeCodeOr(ErrorCode.PROTOCOL_VIOLATION), closeReasonOr("control stream closed"));
            }
            ctx.fireChannelInactive();
        }
    }

    /** Routes each group stream to its subscription by the id in its header. */
    private final class Router implements GroupRouter {
        @Override
        public GroupReceiver open(GroupHeader header, QuicStreamChannel stream) {
            SubscriptionListener sub = subscriptions.get(header.subscriptionId());
            return sub == null ? null : new Receiver(sub, header.group());
        }

        @Override
        public void onProtocolError(ProtocolException error) {
            carrier.closeNow(error.code(), error.getMessage());
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
}
