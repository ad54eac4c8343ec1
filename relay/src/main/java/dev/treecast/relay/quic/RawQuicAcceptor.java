package dev.treecast.relay.quic;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.relay.core.DownstreamSession;
import dev.treecast.relay.core.Limits;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.transport.ControlStreamCodec;
import dev.treecast.transport.StreamPriorities;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.buffer.Unpooled;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Accepts raw QUIC {@code treecast/1} sessions: the first bidirectional stream the peer opens is the control
 * stream and starts a {@link DownstreamSession}; any other stream from a subscriber is a protocol violation.
 * Each connection is held to the core's {@link Limits}: the session cap once its TLS handshake completes, and the
 * handshake timeout until its SETUP.
 */
public final class RawQuicAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RawQuicAcceptor.class);
    private static final AttributeKey<DownstreamSession> SESSION = AttributeKey.valueOf("treecast.session");

    private final RelayCore core;
    /** Connections open, handshaking or not; event loop only. */
    private int connections;
    /** Connections whose TLS handshake completed and that count against {@link Limits#maxSessions()}. */
    private int established;

    public RawQuicAcceptor(RelayCore core) {
        this.core = core;
    }

    /** For {@code QuicServer.bind(..., connectionHandler, ...)}: a {@link ConnectionGuard} on each connection. */
    public ChannelHandler connectionHandler() {
        return new ConnectionInitializer();
    }

    /** For {@code QuicServer.bind(..., streamHandler)}. */
    public ChannelHandler streamHandler() {
        return new StreamInitializer();
    }

    @ChannelHandler.Sharable
    private final class ConnectionInitializer extends ChannelInitializer<QuicChannel> {
        @Override
        protected void initChannel(QuicChannel connection) {
            connection.pipeline().addLast(new ConnectionGuard(connection));
        }
    }

    /**
     * One connection from its first packet: counted against the session cap once its TLS handshake completes,
     * closed with TIMEOUT if it has not sent SETUP within the handshake timeout, and its session ended when it goes.
     */
    private final class ConnectionGuard extends ChannelInboundHandlerAdapter {
        private final QuicChannel connection;
        private ScheduledFuture<?> handshakeTimer;
        private boolean counted;

        ConnectionGuard(QuicChannel connection) {
            this.connection = connection;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            connections++;
            core.metrics().connections(connections);
            handshakeTimer = ctx.executor().schedule(this::handshakeTimedOut,
                    core.limits().handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            int max = core.limits().maxSessions();
            if (established >= max) {
                String what = core.nodeId() + " serves at most " + max + " sessions";
                core.limitHit("sessions", describe(), "closed with LIMIT_EXCEEDED: " + what);
                close(ErrorCode.LIMIT_EXCEEDED, what);
            } else {
                counted = true;
                established++;
            }
            ctx.fireChannelActive();
        }

        private void handshakeTimedOut() {
            handshakeTimer = null;
            DownstreamSession session = connection.attr(SESSION).get();
            if (!connection.isOpen() || session != null && (session.setup() != null || session.isClosed())) {
                return;
            }
            String what = "no SETUP within " + core.limits().handshakeTimeout().toMillis() + " ms";
            core.limitHit("handshake-timeout", describe(), "closed with TIMEOUT: " + what);
            if (session != null) {
                session.close(ErrorCode.TIMEOUT, what);
            } else {
                close(ErrorCode.TIMEOUT, what);
            }
        }

        private void close(ErrorCode code, String reason) {
            connection.close(true, code.code(), Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8));
        }

        private String describe() {
            return "quic " + connection.remoteSocketAddress();
        }

        /** Whatever way the connection ends, active or not (a failed handshake never was). */
        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (handshakeTimer != null) {
                handshakeTimer.cancel(false);
                handshakeTimer = null;
            }
            connections--;
            if (counted) {
                established--;
            }
            core.metrics().connections(connections);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (connection.isTimedOut()) {
                // How a viewer whose network went away leaves: counted, but not worth a WARN.
                core.metrics().limitHit("idle-timeout");
                LOG.debug("{}: closed by the QUIC idle timeout", describe());
            }
            DownstreamSession session = ctx.channel().attr(SESSION).getAndSet(null);
            if (session != null) {
                session.onClosed();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection error from {}", connection.remoteSocketAddress(), cause);
        }
    }

    @ChannelHandler.Sharable
    private final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> {
        @Override
        protected void initChannel(QuicStreamChannel stream) {
            QuicChannel connection = stream.parent();
            DownstreamSession existing = connection.attr(SESSION).get();
            if (stream.type() == QuicStreamType.BIDIRECTIONAL && existing == null) {
                DownstreamSession session = new DownstreamSession(core, new RawQuicLink(connection, stream));
                connection.attr(SESSION).set(session);
                stream.updatePriority(StreamPriorities.CONTROL);
                stream.pipeline().addLast(new ControlStreamCodec(core.limits().maxControlBuffer()),
                        new ControlHandler(session));
                return;
            }
            String what = stream.type() == QuicStreamType.BIDIRECTIONAL ? "a second control stream"
                    : "a unidirectional stream (subscribers do not publish)";
            ProtocolException violation = new ProtocolException(ErrorCode.PROTOCOL_VIOLATION,
                    "peer opened " + what);
            stream.close();
            if (existing != null) {
                existing.onProtocolError(violation);
            } else {
                core.metrics().protocolError(violation.code());
                connection.close(true, violation.code().code(), io.netty.buffer.Unpooled.EMPTY_BUFFER);
            }
        }
    }

    private static final class ControlHandler extends ChannelInboundHandlerAdapter {
        private final DownstreamSession session;

        ControlHandler(DownstreamSession session) {
            this.session = session;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            session.onControl((ControlMessage) msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause()
                    : cause;
            if (root instanceof ProtocolException e) {
                session.onProtocolError(e);
            } else {
                LOG.debug("control stream error from {}", session.link().describe(), root);
                session.close(ErrorCode.INTERNAL_ERROR, "control stream failed");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The session lives as long as its control stream.
            session.close(ErrorCode.NO_ERROR, "control stream closed");
            ctx.fireChannelInactive();
        }
    }
}
