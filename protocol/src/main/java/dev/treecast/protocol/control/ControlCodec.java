package dev.treecast.protocol.control;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * Frames control messages: {@code type (varint) | payload length (varint) | payload}. Pure: no I/O, no state.
 * Decoding is incremental: {@link #decode} returns {@code null} until a whole message is buffered, refuses an
 * oversize length as soon as it is read, and requires the payload to be consumed exactly.
 */
public final class ControlCodec {
    /** The largest control message on the wire, prefix included. */
    public static final int MAX_MESSAGE;

    static {
        int max = 0;
        for (MessageType t : MessageType.values()) {
            max = Math.max(max, t.maxPayload());
        }
        MAX_MESSAGE = max + 16;
    }

    private ControlCodec() {
    }

    /** The encoded size of {@code message}, prefix included. */
    public static int encodedLength(ControlMessage message) {
        int payload = message.payloadLength();
        return Varint.encodedLength(message.type().id()) + Varint.encodedLength(payload) + payload;
    }

    /**
     * Appends {@code message} to {@code out}.
     *
     * @throws IllegalArgumentException if the message is larger than its type allows (a local bug: the peer
     *                                  would refuse it)
     */
    public static void encode(ControlMessage message, ByteBuf out) {
        int payload = message.payloadLength();
        if (payload > message.type().maxPayload()) {
            throw new IllegalArgumentException(message.type() + " payload of " + payload
                    + " bytes exceeds the limit of " + message.type().maxPayload());
        }
        Varint.write(out, message.type().id());
        Varint.write(out, payload);
        int start = out.writerIndex();
        message.encodePayload(out);
        if (out.writerIndex() - start != payload) {
            throw new IllegalStateException(message.type() + " wrote " + (out.writerIndex() - start)
                    + " bytes but declared " + payload);
        }
    }

    /**
     * Decodes one message from {@code in}, or returns {@code null} (consuming nothing) when more bytes are needed.
     *
     * @throws ProtocolException for an unknown type, an oversize length or a malformed payload; the stream is
     *                           then unusable and the session must be closed with {@link ProtocolException#code()}
     */
    public static ControlMessage decode(ByteBuf in) {
        int start = in.readerIndex();
        if (!Varint.isComplete(in, start)) {
            return null;
        }
        long typeId = Varint.get(in, start);
        MessageType type = MessageType.byId(typeId);
        if (type == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_MESSAGE_TYPE,
                    "unknown control message type 0x" + Long.toHexString(typeId));
        }
        int lengthIndex = start + Varint.lengthAt(in, start);
        if (!Varint.isComplete(in, lengthIndex)) {
            return null;
        }
        long length = Varint.get(in, lengthIndex);
        if (length > type.maxPayload()) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, type + " of " + length
                    + " bytes exceeds the limit of " + type.maxPayload());
        }
        int payloadIndex = lengthIndex + Varint.lengthAt(in, lengthIndex);
        if (in.writerIndex() - payloadIndex < length) {
            return null;
        }
        ByteBuf payload = in.slice(payloadIndex, (int) length);
        ControlMessage message = decodePayload(type, payload);
        if (payload.isReadable()) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE,
                    type + " has " + payload.readableBytes() + " unexpected trailing bytes");
        }
        in.readerIndex(payloadIndex + (int) length);
        return message;
    }

    private static ControlMessage decodePayload(MessageType type, ByteBuf payload) {
        return switch (type) {
            case SETUP -> Setup.decode(payload);
            case SETUP_OK -> SetupOk.decode(payload);
            case SUBSCRIBE -> Subscribe.decode(payload);
            case SUBSCRIBE_OK -> SubscribeOk.decode(payload);
            case SUBSCRIBE_ERROR -> SubscribeError.decode(payload);
            case UNSUBSCRIBE -> Unsubscribe.decode(payload);
            case ANNOUNCE -> Announce.decode(payload);
            case HEARTBEAT -> Heartbeat.decode(payload);
            case BACKUPS -> Backups.decode(payload);
            case MOVE -> Move.decode(payload);
            case GOAWAY -> GoAway.decode(payload);
            case ERROR -> ErrorMessage.decode(payload);
            case JOIN -> Join.decode(payload);
            case PLACEMENT -> Placement.decode(payload);
            case REPORT -> Report.decode(payload);
            case REPAIRED -> Repaired.decode(payload);
        };
    }
}
