package dev.treecast.protocol.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.GroupStreamDecoder;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * A group stream ({@link GroupHeader}, then objects) against any bytes an upstream can send. For every input: the
 * {@link GroupStreamDecoder} delivers a header and whole objects or throws a {@link ProtocolException}, and so
 * does {@link GroupStreamDecoder#finish() FIN} afterwards; the same bytes cut at fuzzer-chosen places, each piece
 * in its own buffer released right after {@code decode} (as {@code GroupStreamReader} feeds QUIC frames), give the
 * same header, the same objects byte for byte and the same error; every object is exactly its wire bytes and
 * {@link ObjectFrame#wrap wraps} and {@link ObjectFrame#encode re-encodes} to the same fields; the header
 * re-encodes and decodes back equal; nothing is left unreleased.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class GroupStreamDecoderFuzzTest {
    /** Small, so that a fuzzed payload length is refused or allocated cheaply; the limit logic is the same. */
    private static final int MAX_PAYLOAD = 1 << 16;

    /** One delivered object, copied out so that the frame can be released at once. */
    private record Delivered(long sequence, long timestamp, byte[] signature, byte[] payload, byte[] wire) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Delivered other && sequence == other.sequence && timestamp == other.timestamp
                    && Arrays.equals(signature, other.signature) && Arrays.equals(payload, other.payload)
                    && Arrays.equals(wire, other.wire);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(wire);
        }
    }

    /** Everything one decoding of a stream produced: header, objects, then the error of decode or of FIN. */
    private record Outcome(GroupHeader header, List<Delivered> objects, ErrorCode error) {
    }

    private static final class Collector implements GroupStreamDecoder.Sink {
        GroupHeader header;
        final List<Delivered> objects = new ArrayList<>();

        @Override
        public void onHeader(GroupHeader h) {
            assertThat(header).as("one header per stream").isNull();
            header = h;
        }

        @Override
        public void onObject(ObjectFrame frame) {
            try {
                assertThat(header).as("objects come after the header").isNotNull();
                ByteBuf wire = frame.wire();
                assertThat(wire.capacity()).as("an object's buffer is exactly its wire size")
                        .isEqualTo(wire.readableBytes());
                assertThat(frame.payloadLength()).isEqualTo(frame.payload().readableBytes());
                assertThat(frame.signature().readableBytes()).isLessThanOrEqualTo(ObjectFrame.MAX_SIGNATURE);
                if (!objects.isEmpty()) {
                    assertThat(frame.sequence()).isGreaterThan(objects.get(objects.size() - 1).sequence());
                }
                objects.add(new Delivered(frame.sequence(), frame.timestampMicros(),
                        ByteBufUtil.getBytes(frame.signature()), ByteBufUtil.getBytes(frame.payload()),
                        ByteBufUtil.getBytes(wire)));
            } finally {
                frame.release();
            }
        }
    }

    @FuzzTest
    void decode(byte[] input) {
        Chunks chunks = Chunks.of(input);
        FuzzAllocator alloc = new FuzzAllocator();
        Outcome whole = decode(alloc, List.of(chunks.stream()));
        Outcome split = decode(alloc, chunks.parts());
        assertThat(split).isEqualTo(whole);
        if (whole.header() != null) {
            assertHeaderRoundTrip(alloc, whole.header());
        }
        for (Delivered o : whole.objects()) {
            assertObjectRoundTrip(alloc, o);
        }
        alloc.assertAllReleased();
    }

    private static Outcome decode(FuzzAllocator alloc, List<byte[]> parts) {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, MAX_PAYLOAD);
        Collector sink = new Collector();
        try {
            for (byte[] part : parts) {
                ByteBuf in = alloc.heapBuffer(part.length).writeBytes(part);
                try {
                    decoder.decode(in, sink);
                    assertThat(in.isReadable()).as("decode consumes all it is given").isFalse();
                } finally {
                    in.release();
                }
            }
            decoder.finish();
            return new Outcome(sink.header, sink.objects, null);
        } catch (ProtocolException e) {
            assertThat(e.code()).isNotNull();
            return new Outcome(sink.header, sink.objects, e.code());
        } finally {
            decoder.release();
        }
    }

    private static void assertHeaderRoundTrip(FuzzAllocator alloc, GroupHeader header) {
        ByteBuf out = alloc.heapBuffer();
        try {
            header.encode(out);
            assertThat(out.readableBytes()).isEqualTo(header.encodedLength());
            assertThat(GroupHeader.decode(out)).isEqualTo(header);
            assertThat(out.isReadable()).isFalse();
        } finally {
            out.release();
        }
    }

    private static void assertObjectRoundTrip(FuzzAllocator alloc, Delivered o) {
        ObjectFrame wrapped = ObjectFrame.wrap(alloc.directBuffer(o.wire().length).writeBytes(o.wire()));
        try {
            assertThat(wrapped.sequence()).isEqualTo(o.sequence());
            assertThat(wrapped.timestampMicros()).isEqualTo(o.timestamp());
            assertThat(ByteBufUtil.getBytes(wrapped.payload())).isEqualTo(o.payload());
            assertThat(ByteBufUtil.getBytes(wrapped.signature())).isEqualTo(o.signature());
        } finally {
            wrapped.release();
        }
        ByteBuf signature = alloc.heapBuffer().writeBytes(o.signature());
        ByteBuf payload = alloc.heapBuffer().writeBytes(o.payload());
        ObjectFrame encoded = ObjectFrame.encode(alloc, o.sequence(), o.timestamp(), signature, payload);
        ObjectFrame decoded = ObjectFrame.wrap(encoded.wire().retainedDuplicate());
        try {
            assertThat(decoded.sequence()).isEqualTo(o.sequence());
            assertThat(decoded.timestampMicros()).isEqualTo(o.timestamp());
            assertThat(ByteBufUtil.getBytes(decoded.payload())).isEqualTo(o.payload());
            assertThat(ByteBufUtil.getBytes(decoded.signature())).isEqualTo(o.signature());
        } finally {
            decoded.release();
            encoded.release();
            signature.release();
            payload.release();
        }
    }
}
