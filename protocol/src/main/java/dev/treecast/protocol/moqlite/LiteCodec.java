package dev.treecast.protocol.moqlite;

import java.util.function.Function;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * Framing of moq-lite-05 messages: {@code size (varint) | body}, with a type varint before the size for the
 * {@link SubscribeResponse}s. Pure: no I/O, no state; the stream handlers feed it what arrived and act on what it
 * returns.
 */
public final class LiteCodec {
    private LiteCodec() {
    }

    /** Bytes {@link #encode} writes for {@code message}. */
    public static int encodedLength(LiteMessage message) {
        int body = message.bodyLength();
        int n = Varint.encodedLength(body) + body;
        if (message instanceof SubscribeResponse r) {
            n += Varint.encodedLength(r.type());
        }
        return n;
    }

    /** Writes {@code message} with its size prefix (and its type first, for a subscribe response). */
    public static void encode(LiteMessage message, ByteBuf out) {
        if (message instanceof SubscribeResponse r) {
            Varint.write(out, r.type());
        }
        Varint.write(out, message.bodyLength());
        int start = out.writerIndex();
        message.encodeBody(out);
        if (out.writerIndex() - start != message.bodyLength()) {
            throw new IllegalStateException(message + " wrote " + (out.writerIndex() - start) + " bytes, declared "
                    + message.bodyLength());
        }
    }

    /**
     * The body of the next sized message in {@code in} if all of it has arrived (a slice of {@code in}, not
     * retained; the reader index moves past it), or null when more bytes are needed (nothing consumed).
     *
     * @throws ProtocolException {@link ErrorCode#MESSAGE_TOO_LARGE} if the size exceeds {@code maxBody}, before the
     *                           body is buffered
     */
    public static ByteBuf readBody(ByteBuf in, int maxBody) {
        int start = in.readerIndex();
        if (!Varint.isComplete(in, start)) {
            return null;
        }
        long size = Varint.get(in, start);
        if (size > maxBody) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, "message of " + size + " bytes exceeds "
                    + maxBody);
        }
        int prefix = Varint.lengthAt(in, start);
        if (in.readableBytes() - prefix < size) {
            return null;
        }
        in.skipBytes(prefix);
        return in.readSlice((int) size);
    }

    /**
     * Decodes {@code body} with {@code decoder}, which must consume all of it.
     *
     * @throws ProtocolException {@link ErrorCode#MALFORMED_MESSAGE} on bytes left over, or whatever the decoder
     *                           throws
     */
    public static <T extends LiteMessage> T decode(ByteBuf body, Function<ByteBuf, T> decoder) {
        T message;
        try {
            message = decoder.apply(body);
        } catch (IllegalArgumentException e) {
            // A field the record refuses (e.g. a group + 1 beyond the varint range).
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, e.getMessage());
        }
        if (body.isReadable()) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, body.readableBytes() + " bytes left over after "
                    + message.getClass().getSimpleName());
        }
        return message;
    }

    /**
     * The next subscribe response in {@code in} if complete, or null (nothing consumed).
     *
     * @throws ProtocolException on an unknown type, an oversize or malformed body
     */
    public static SubscribeResponse readResponse(ByteBuf in) {
        int start = in.readerIndex();
        if (!Varint.isComplete(in, start)) {
            return null;
        }
        long type = Varint.read(in, "subscribe response type");
        ByteBuf body = readBody(in, MoqLite.MAX_MESSAGE);
        if (body == null) {
            in.readerIndex(start);
            return null;
        }
        return decode(body, b -> SubscribeResponse.decode(type, b));
    }

    /** Reads a stream's leading type varint, or returns -1 when it has not fully arrived (nothing consumed). */
    public static long readStreamType(ByteBuf in) {
        if (!Varint.isComplete(in, in.readerIndex())) {
            return -1;
        }
        return Varint.read(in, "stream type");
    }
}
