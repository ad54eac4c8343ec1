package dev.treecast.protocol.control;

import io.netty.buffer.ByteBuf;

/**
 * A message on the control stream (the first bidirectional stream, opened by the connecting side). On the wire:
 * {@code type (varint) | payload length (varint) | payload}; see {@link ControlCodec}.
 */
public sealed interface ControlMessage
        permits Setup, SetupOk, Subscribe, SubscribeOk, SubscribeError, Unsubscribe, Announce, Heartbeat, Backups,
        Move, GoAway, ErrorMessage, Join, Placement, Report, Repaired {

    MessageType type();

    /** Payload size in bytes, without the type and length prefix. */
    int payloadLength();

    /** Writes the payload, without the type and length prefix. */
    void encodePayload(ByteBuf out);
}
