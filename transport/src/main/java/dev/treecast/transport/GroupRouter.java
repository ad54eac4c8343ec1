package dev.treecast.transport;

import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.data.GroupHeader;
import io.netty.handler.codec.quic.QuicStreamChannel;

/** Decides where the objects of each incoming group stream go. Called on the connection's event loop. */
public interface GroupRouter {
    /** The receiver for a new group stream, or {@code null} to refuse it (the stream is stopped). */
    GroupReceiver open(GroupHeader header, QuicStreamChannel stream);

    /** The peer sent a malformed group stream: the session should be closed with {@code error.code()}. */
    void onProtocolError(ProtocolException error);
}
