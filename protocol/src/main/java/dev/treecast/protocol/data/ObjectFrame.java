package dev.treecast.protocol.data;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One object on a group stream, kept as its exact wire bytes so that a relay forwards what it received without
 * re-encoding: {@code object seq | ingest timestamp (µs) | signature length | payload length | signature |
 * payload}. The fields are read once, in place, when the frame is made.
 *
 * <p>A frame owns one reference to {@link #wire()}; {@link #release()} gives it back. To send the same frame on
 * many streams, write {@code wire().retainedDuplicate()} to each: the bytes are never copied per subscriber.
 */
public final class ObjectFrame {
    /** Ed25519 signatures are 64 bytes; leave room for another scheme, refuse anything larger. */
    public static final int MAX_SIGNATURE = 128;
    /** Default hard limit for one object's payload: a few seconds of a high-bitrate keyframe interval. */
    public static final int DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;

    private final ByteBuf wire;
    private final long sequence;
    private final long timestampMicros;
    private final int signatureOffset;
    private final int signatureLength;
    private final int payloadOffset;
    private final int payloadLength;

    private ObjectFrame(ByteBuf wire, long sequence, long timestampMicros, int signatureOffset, int signatureLength,
                        int payloadOffset, int payloadLength) {
        this.wire = wire;
        this.sequence = sequence;
        this.timestampMicros = timestampMicros;
        this.signatureOffset = signatureOffset;
        this.signatureLength = signatureLength;
        this.payloadOffset = payloadOffset;
        this.payloadLength = payloadLength;
    }

    /** The size of an object header with these fields. */
    public static int headerLength(long sequence, long timestampMicros, int signatureLength, int payloadLength) {
        return Varint.encodedLength(sequence) + Varint.encodedLength(timestampMicros)
                + Varint.encodedLength(signatureLength) + Varint.encodedLength(payloadLength);
    }

    /**
     * Encodes an object into one new direct buffer of exactly its wire size. Does not take ownership of
     * {@code payload} or {@code signature}.
     */
    public static ObjectFrame encode(ByteBufAllocator alloc, long sequence, long timestampMicros, ByteBuf signature,
                                     ByteBuf payload) {
        int sigLength = signature == null ? 0 : signature.readableBytes();
        if (sigLength > MAX_SIGNATURE) {
            throw new IllegalArgumentException("signature of " + sigLength + " bytes exceeds " + MAX_SIGNATURE);
        }
        int length = payload.readableBytes();
        int header = headerLength(sequence, timestampMicros, sigLength, length);
        ByteBuf wire = alloc.directBuffer(header + sigLength + length, header + sigLength + length);
        Varint.write(wire, sequence);
        Varint.write(wire, timestampMicros);
        Varint.write(wire, sigLength);
        Varint.write(wire, length);
        if (sigLength > 0) {
            wire.writeBytes(signature, signature.readerIndex(), sigLength);
        }
        wire.writeBytes(payload, payload.readerIndex(), length);
        return new ObjectFrame(wire, sequence, timestampMicros, header, sigLength, header + sigLength, length);
    }

    /**
     * Reads the fields of the object whose exact wire bytes are {@code wire} (reader index at its start, writer
     * index at its end), taking ownership of {@code wire}. On failure {@code wire} is released.
     *
     * @throws ProtocolException if {@code wire} is not exactly one well-formed object
     */
    public static ObjectFrame wrap(ByteBuf wire) {
        try {
            ByteBuf in = wire.duplicate();
            long sequence = Varint.read(in, "object sequence");
            long timestamp = Varint.read(in, "object timestamp");
            int sigLength = (int) Varint.read(in, "signature length", MAX_SIGNATURE);
            long length = Varint.read(in, "payload length", Integer.MAX_VALUE);
            int header = in.readerIndex() - wire.readerIndex();
            if (in.readableBytes() != sigLength + length) {
                throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "object declares " + (sigLength + length)
                        + " bytes of signature and payload but has " + in.readableBytes());
            }
            return new ObjectFrame(wire, sequence, timestamp, header, sigLength, header + sigLength, (int) length);
        } catch (RuntimeException e) {
            wire.release();
            throw e;
        }
    }

    /** The sequence number of this object within its group. */
    public long sequence() {
        return sequence;
    }

    /** Microseconds since the epoch on the ingest's clock when the ingest made this object. */
    public long timestampMicros() {
        return timestampMicros;
    }

    /** The object's wire bytes (header, signature, payload); not a copy, not retained. */
    public ByteBuf wire() {
        return wire;
    }

    /** A slice of the payload; not a copy, not retained. */
    public ByteBuf payload() {
        return wire.slice(wire.readerIndex() + payloadOffset, payloadLength);
    }

    public int payloadLength() {
        return payloadLength;
    }

    /** A slice of the signature (empty when unsigned); not a copy, not retained. */
    public ByteBuf signature() {
        return wire.slice(wire.readerIndex() + signatureOffset, signatureLength);
    }

    /** The size of the whole object on the wire. */
    public int wireLength() {
        return wire.readableBytes();
    }

    public ObjectFrame retain() {
        wire.retain();
        return this;
    }

    /** Gives back this frame's reference to its bytes. */
    public boolean release() {
        return wire.release();
    }

    @Override
    public String toString() {
        return "Object[seq=" + sequence + ", ts=" + timestampMicros + "µs, payload=" + payloadLength + "B, sig="
                + signatureLength + "B]";
    }
}
