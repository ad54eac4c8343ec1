package dev.treecast.relay.core;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamPriority;
import io.netty.util.concurrent.Future;

/**
 * The downstream side of one session as the relay core sees it, whatever carries it: a raw QUIC connection
 * ({@code treecast/1}) or a WebTransport session inside HTTP/3. Both end in QUIC streams of the same stack, so a
 * cached object's buffer is written to child relays and browsers alike.
 */
public interface SubscriberLink {
    /**
     * Opens a unidirectional stream to the peer, writes whatever the transport puts first (nothing for raw QUIC,
     * the WebTransport stream type and session id for WebTransport) and then {@code header}.
     */
    Future<QuicStreamChannel> openGroupStream(GroupHeader header, QuicStreamPriority priority);

    /**
     * What goes on a group stream for {@code object}, owned by the caller: by default its exact {@code treecast/1}
     * wire bytes (a retained duplicate of the cached buffer). A link speaking another codec over the same model
     * (moq-lite at the gateway) frames the payload its own way. {@code previous}: the object written just before
     * on the same stream, null for the stream's first.
     */
    default ByteBuf encodeObject(ObjectFrame object, ObjectFrame previous) {
        return object.wire().retainedDuplicate();
    }

    /** Whether the peer's stream limit allows one more unidirectional stream now. */
    boolean canOpenStream();

    void send(ControlMessage message);

    /**
     * Bytes of control messages {@link #send sent} that QUIC has not taken yet: the peer's stream window is full
     * because it does not read them (see {@link Limits#maxControlBacklog()}).
     */
    default long controlBacklog() {
        return 0;
    }

    /** Ends the session with {@code code}, telling the peer {@code reason}. */
    void close(ErrorCode code, String reason);

    EventLoop eventLoop();

    /** The peer's UDP address (where the tree controller reaches a relay that does not know its own). */
    java.net.InetSocketAddress remoteAddress();

    /** A short description of the peer for logs (address, transport). */
    String describe();
}
