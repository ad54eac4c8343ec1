package dev.treecast.relay.quic;

import java.nio.charset.StandardCharsets;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.relay.core.SubscriberLink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamPriority;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/** A downstream session over a raw QUIC connection with ALPN {@code treecast/1}. */
final class RawQuicLink implements SubscriberLink {
    /** CONNECTION_CLOSE reason phrases are kept short; the ERROR message carries the full text. */
    private static final int MAX_CLOSE_REASON = 256;

    private final QuicChannel connection;
    private final Channel control;
    /** Bytes of control messages written that QUIC has not taken yet. */
    private long controlBacklog;

    RawQuicLink(QuicChannel connection, Channel control) {
        this.connection = connection;
        this.control = control;
    }

    @Override
    public Future<QuicStreamChannel> openGroupStream(GroupHeader header, QuicStreamPriority priority) {
        Promise<QuicStreamChannel> opened = connection.eventLoop().newPromise();
        connection.createStream(QuicStreamType.UNIDIRECTIONAL, null).addListener((Future<QuicStreamChannel> f) -> {
            if (!f.isSuccess()) {
                opened.setFailure(f.cause());
                return;
            }
            QuicStreamChannel stream = f.getNow();
            stream.updatePriority(priority);
            ByteBuf encoded = stream.alloc().directBuffer(header.encodedLength());
            header.encode(encoded);
            stream.write(encoded);
            opened.setSuccess(stream);
        });
        return opened;
    }

    @Override
    public boolean canOpenStream() {
        return connection.peerAllowedStreams(QuicStreamType.UNIDIRECTIONAL) > 0;
    }

    @Override
    public void send(ControlMessage message) {
        if (control.isActive()) {
            int length = ControlCodec.encodedLength(message);
            controlBacklog += length;
            control.writeAndFlush(message).addListener(f -> controlBacklog -= length);
        }
    }

    @Override
    public long controlBacklog() {
        return controlBacklog;
    }

    @Override
    public void close(ErrorCode code, String reason) {
        if (code != ErrorCode.NO_ERROR && control.isActive()) {
            control.writeAndFlush(new ErrorMessage(code, truncate(reason, 1024)));
        }
        // Close from a task, so that the ERROR written above leaves in a packet before CONNECTION_CLOSE.
        connection.eventLoop().execute(() -> connection.close(true, code.code(),
                Unpooled.copiedBuffer(truncate(reason, MAX_CLOSE_REASON), StandardCharsets.UTF_8)));
    }

    private static String truncate(String text, int maxBytes) {
        if (ByteBufUtil.utf8Bytes(text) <= maxBytes) {
            return text;
        }
        return text.substring(0, Math.min(text.length(), maxBytes / 3));
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
        return "quic " + connection.remoteSocketAddress();
    }
}
