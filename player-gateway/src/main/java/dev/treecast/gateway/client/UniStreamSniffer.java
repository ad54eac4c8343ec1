package dev.treecast.gateway.client;


import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.gateway.webtransport.StreamSniffing;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * First in the pipeline of every unidirectional stream the server opens, ahead of HTTP/3's stream-type decoder.
 *
 * <p>Why not HTTP/3's unknown-stream hook: a group stream must be read as {@link QuicStreamFrame}s from its first
 * byte, so that {@code GroupStreamReader} tells a FIN (the group is complete) from a reset or a lost connection;
 * HTTP/3's decoder reads plain {@code ByteBuf}s. So the stream is switched to frames before any byte is read, and
 * this handler looks at the first bytes:
 * <ul>
 * <li>{@code 0x54 | session id} (draft-02 §4.1): the HTTP/3 handlers are removed and the session's group reader
 * gets the rest of the stream;</li>
 * <li>anything else (the server's HTTP/3 control and QPACK streams): this handler stays and unwraps every frame to
 * its bytes, so HTTP/3 sees the stream exactly as it would have.</li>
 * </ul>
 */
final class UniStreamSniffer extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(UniStreamSniffer.class);
    private final WebTransportSession session;
    private ByteBuf buffered;
    private boolean http3;

    UniStreamSniffer(WebTransportSession session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof QuicStreamFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (http3) {
            ctx.fireChannelRead(frame.content());
            return;
        }
        boolean fin = frame.hasFin();
        ByteBuf in = StreamSniffing.join(ctx, buffered, frame.content());
        buffered = null;
        switch (ClientWire.sniffUnidirectional(in)) {
            case StreamPrefix.NeedMore needMore -> {
                if (fin) {
                    in.release(); // ended before saying what it is: nothing to do with it
                } else {
                    buffered = in;
                }
            }
            case StreamPrefix.Http3 h3 -> {
                http3 = true;
                ctx.fireChannelRead(in);
            }
            case StreamPrefix.WebTransport wt -> {
                in.skipBytes(wt.length());
                QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
                StreamSniffing.removeAllBut(ctx, this);
                ChannelHandler reader = session.groupStreamHandler(stream, wt.sessionId());
                ctx.pipeline().addLast(reader);
                ctx.pipeline().remove(this);
                if (in.isReadable() || fin) {
                    // From the head: the reader was added after this handler.
                    ctx.pipeline().fireChannelRead(new DefaultQuicStreamFrame(in, fin));
                } else {
                    in.release();
                }
            }
        }
    }

    /**
     * A stream reset before it was told apart (the server dropping a group the moment it opened it, as at shutdown)
     * or an HTTP/3 stream's error, which HTTP/3 has acted on already: nothing further to do than stop reading.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("server stream {} failed: {}", ctx.channel(), cause.toString());
        if (!http3) {
            ctx.close();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ReferenceCountUtil.release(buffered);
        buffered = null;
    }
}
