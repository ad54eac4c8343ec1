package dev.treecast.relay.quic;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.relay.core.DownstreamSession;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.transport.ControlStreamCodec;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;

/**
 * Accepts raw QUIC {@code treecast/1} sessions: the first bidirectional stream the peer opens is the control
 * stream and starts a {@link DownstreamSession}; any other stream from a subscriber is a protocol violation.
 */
public final class RawQuicAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RawQuicAcceptor.class);
    private static final AttributeKey<DownstreamSession> SESSION = AttributeKey.valueOf("treecast.session");

    private final RelayCore core;

    public RawQuicAcceptor(RelayCore core) {
        this.core = core;
    }

    /** For {@code QuicServer.bind(..., connectionHandler, ...)}. */
    public ChannelHandler connectionHandler() {
        return new ConnectionInitializer();
    }

    /** For {@code QuicServer.bind(..., streamHandler)}. */
    public ChannelHandler streamHandler() {
        return new StreamInitializer();
    }

    @ChannelHandler.Sharable
    private final class ConnectionInitializer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            DownstreamSession session = ctx.channel().attr(SESSION).getAndSet(null);
            if (session != null) {
                session.onClosed();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("connection error from {}", ctx.channel().remoteAddress(), cause);
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
                stream.pipeline().addLast(new ControlStreamCodec(), new ControlHandler(session));
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
