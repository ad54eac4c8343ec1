package dev.treecast.gateway.webtransport;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.moqlite.LiteCodec;
import dev.treecast.protocol.moqlite.MoqLite;
import dev.treecast.protocol.moqlite.Setup;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebTransport unidirectional stream from a viewer (type 0x54 already read by HTTP/3): the session id, then, in a
 * moq-lite session, the data type. The browser's lite-05 SETUP is read and noted; a GROUP (the browser publishing)
 * is refused, as any stream in a {@code treecast/1} session or for another session is, with STOP_SENDING; the
 * session goes on. An unknown data type or a malformed SETUP is the session's protocol error.
 */
final class MoqLiteUniStreamHandler extends ChannelInboundHandlerAdapter {
    private final WebTransportConnection connection;
    private ByteBuf buffered;
    private MoqLiteSession session;
    private long type = -1;
    private boolean done;

    MoqLiteUniStreamHandler(WebTransportConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        buffered = StreamSniffing.join(ctx, buffered, bytes);
        QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
        try {
            read(stream);
        } catch (ProtocolException e) {
            done = true;
            session.fail(e);
        }
        if (done || !buffered.isReadable()) {
            buffered.release();
            buffered = null;
        }
    }

    private void read(QuicStreamChannel stream) {
        if (session == null) {
            if (!Varint.isComplete(buffered, buffered.readerIndex())) {
                return;
            }
            long sessionId = Varint.read(buffered, "session id");
            session = connection.moqLiteSession(sessionId);
            if (session == null) {
                refuse(stream, "webtransport-uni");
                return;
            }
        }
        if (type < 0) {
            type = LiteCodec.readStreamType(buffered);
            if (type < 0) {
                return;
            }
            if (type == MoqLite.DATA_GROUP) {
                refuse(stream, "moq-lite-publish");
                return;
            }
            if (type != MoqLite.DATA_SETUP) {
                throw new ProtocolException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown moq-lite data stream type "
                        + type);
            }
        }
        ByteBuf body = LiteCodec.readBody(buffered, MoqLite.MAX_MESSAGE);
        if (body != null) {
            done = true;
            session.onPeerSetup(LiteCodec.decode(body, Setup::decode));
        }
    }

    private void refuse(QuicStreamChannel stream, String kind) {
        done = true;
        connection.refusedStream(kind);
        stream.shutdownInput(WebTransportErrors.H3_STREAM_CREATION_ERROR);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset of the stream: nothing was waiting on it.
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (buffered != null) {
            buffered.release();
            buffered = null;
        }
    }
}
