package dev.treecast.transport;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.data.ObjectFrame;

/** Receives the objects of one incoming group stream, on the stream's event loop. */
public interface GroupReceiver {
    /** One whole object; ownership of {@code object} passes to the receiver. */
    void onObject(ObjectFrame object);

    /** The group ended cleanly (FIN after a whole object). */
    void onEnd();

    /**
     * The group stopped before its end: reset by the sender ({@code code} is the sender's), the connection was
     * lost ({@link ErrorCode#UPSTREAM_LOST}) or the stream was malformed.
     */
    void onAbort(ErrorCode code, String reason);
}
