package dev.treecast.transport;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.GroupStreamDecoder;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads one incoming group stream (the stream must deliver {@link QuicStreamFrame}s, so FIN is seen apart from
 * a reset): decodes the header, asks the {@link GroupRouter} for a receiver, and hands it whole objects.
 */
public final class GroupStreamReader extends ChannelInboundHandlerAdapter implements GroupStreamDecoder.Sink {
    private final GroupRouter router;
    private final GroupStreamDecoder decoder;
    private QuicStreamChannel stream;
    private GroupReceiver receiver;
    private boolean done;

    public GroupStreamReader(GroupRouter router, GroupStreamDecoder decoder) {
        this.router = router;
        this.decoder = decoder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        stream = (QuicStreamChannel) ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (done) {
                return;
            }
            ByteBuf data;
            boolean fin;
            if (msg instanceof QuicStreamFrame frame) {
                data = frame.content();
                fin = frame.hasFin();
            } else {
                data = (ByteBuf) msg;
                fin = false;
            }
            decoder.decode(data, this);
            if (done) {
                return;
            }
            if (fin) {
                decoder.finish();
                done = true;
                if (receiver != null) {
                    receiver.onEnd();
                }
            }
        } catch (ProtocolException e) {
            fail(e.code(), e.getMessage());
            router.onProtocolError(e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void onHeader(GroupHeader header) {
        receiver = router.open(header, stream);
        if (receiver == null) {
            done = true;
            decoder.release();
            stream.shutdownInput(ErrorCode.CANCELLED.code());
        }
    }

    @Override
    public void onObject(ObjectFrame object) {
        if (receiver == null) {
            object.release();
            return;
        }
        receiver.onObject(object);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownReadComplete.INSTANCE) {
            // FIN was read (and handled above). Netty keeps a peer's unidirectional stream open until this side has
            // sent FIN too, which never happens on a stream we cannot write (and half-closure cannot be turned off
            // for one): without this close, every finished group stays in memory until the connection closes.
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof QuicStreamResetException reset) {
            fail(ErrorCode.of(reset.applicationProtocolCode()), "group stream reset by the sender");
        } else {
            fail(ErrorCode.INTERNAL_ERROR, String.valueOf(cause));
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ErrorCode.UPSTREAM_LOST, "group stream closed before its end");
        ctx.fireChannelInactive();
    }

    private void fail(ErrorCode code, String reason) {
        decoder.release();
        if (done) {
            return;
        }
        done = true;
        if (receiver != null) {
            receiver.onAbort(code, reason);
        }
    }
}
