package dev.treecast.gateway.webtransport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.moqlite.AnnounceRequest;
import dev.treecast.protocol.moqlite.Fetch;
import dev.treecast.protocol.moqlite.Goaway;
import dev.treecast.protocol.moqlite.LiteCodec;
import dev.treecast.protocol.moqlite.MoqLite;
import dev.treecast.protocol.moqlite.Subscribe;
import dev.treecast.protocol.moqlite.SubscribeUpdate;
import dev.treecast.protocol.moqlite.TrackRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;

/**
 * One bidirectional moq-lite stream the browser opened (its WebTransport prefix already read): the stream type,
 * then the sized messages that type allows, decoded with {@link LiteCodec} and handed to the {@link MoqLiteSession}.
 * A malformed or oversize message, or an unknown stream type, is the session's protocol error. What is buffered is
 * bounded by {@link MoqLite#MAX_MESSAGE}: a size beyond it is refused before its body arrives.
 */
final class MoqLiteStreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(MoqLiteStreamHandler.class);

    private final MoqLiteSession session;
    private ByteBuf buffered;
    private long type = -1;
    /** Messages read after the stream type. */
    private int messages;
    private long subscribeId = -1;
    private boolean closed;

    MoqLiteStreamHandler(MoqLiteSession session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (closed || session.isEnded()) {
            bytes.release();
            return;
        }
        buffered = StreamSniffing.join(ctx, buffered, bytes);
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        try {
            read(stream);
        } catch (ProtocolException e) {
            closed = true;
            session.fail(e);
        }
        if (buffered != null && !buffered.isReadable()) {
            buffered.release();
            buffered = null;
        }
    }

    private void read(QuicStreamChannel stream) {
        while (!closed && buffered != null && buffered.isReadable()) {
            if (type < 0) {
                type = LiteCodec.readStreamType(buffered);
                if (type < 0) {
                    return;
                }
                if (type == MoqLite.STREAM_PROBE) {
                    // We advertise no probing (SETUP probe 0), so a browser does not ask; refused if one does.
                    refuse(stream, ErrorCode.NOT_FOUND, "probe");
                    return;
                }
                if (type != MoqLite.STREAM_ANNOUNCE && type != MoqLite.STREAM_SUBSCRIBE
                        && type != MoqLite.STREAM_TRACK && type != MoqLite.STREAM_FETCH
                        && type != MoqLite.STREAM_GOAWAY) {
                    throw new ProtocolException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown moq-lite stream type "
                            + type);
                }
                continue;
            }
            ByteBuf body = LiteCodec.readBody(buffered, MoqLite.MAX_MESSAGE);
            if (body == null) {
                return;
            }
            messages++;
            if (messages > 1 && type != MoqLite.STREAM_SUBSCRIBE) {
                throw new ProtocolException(ErrorCode.PROTOCOL_VIOLATION, "a second message on a moq-lite stream of"
                        + " type " + type);
            }
            switch ((int) type) {
                case MoqLite.STREAM_ANNOUNCE -> session.onAnnounceRequest(stream,
                        LiteCodec.decode(body, AnnounceRequest::decode));
                case MoqLite.STREAM_TRACK -> session.onTrackRequest(stream, LiteCodec.decode(body, TrackRequest::decode));
                case MoqLite.STREAM_SUBSCRIBE -> {
                    if (messages == 1) {
                        Subscribe subscribe = LiteCodec.decode(body, Subscribe::decode);
                        subscribeId = subscribe.id();
                        session.onSubscribe(stream, subscribe);
                    } else {
                        // Preferences we do not act on (the core sends newest first); checked all the same.
                        LiteCodec.decode(body, SubscribeUpdate::decode);
                    }
                }
                case MoqLite.STREAM_FETCH -> {
                    LiteCodec.decode(body, Fetch::decode);
                    refuse(stream, ErrorCode.NOT_FOUND, "fetch");
                }
                default -> LiteCodec.decode(body, Goaway::decode); // a client's GOAWAY: it is leaving anyway
            }
        }
    }

    /** A stream kind we do not serve: this stream is reset, the session goes on. */
    private void refuse(QuicStreamChannel stream, ErrorCode code, String kind) {
        closed = true;
        session.refused(kind);
        stream.shutdown(code.code());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownReadComplete.INSTANCE) {
            ended(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof QuicStreamResetException)) {
            LOG.debug("moq-lite stream error", cause);
        }
        ended(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended(ctx);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }

    private void ended(ChannelHandlerContext ctx) {
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        if (type == MoqLite.STREAM_SUBSCRIBE && subscribeId >= 0) {
            long id = subscribeId;
            subscribeId = -1;
            session.onSubscribeStreamClosed(stream, id);
        } else if (type == MoqLite.STREAM_ANNOUNCE) {
            session.onAnnounceStreamClosed(stream);
        }
    }
}
