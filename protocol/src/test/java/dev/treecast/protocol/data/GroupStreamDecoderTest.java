package dev.treecast.protocol.data;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.concat;
import static dev.treecast.protocol.Wire.of;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.TrackingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class GroupStreamDecoderTest {
    private static final GroupHeader HEADER = new GroupHeader(7, 42, 3);

    private final TrackingAllocator alloc = new TrackingAllocator();
    private final Collector sink = new Collector();

    @AfterEach
    void noLeaks() {
        sink.releaseAll();
        alloc.assertAllReleased();
    }

    /** Keeps what the decoder delivers; owns the frames until {@link #releaseAll()}. */
    private static final class Collector implements GroupStreamDecoder.Sink {
        final List<GroupHeader> headers = new ArrayList<>();
        final List<ObjectFrame> objects = new ArrayList<>();

        @Override
        public void onHeader(GroupHeader header) {
            assertThat(objects).as("the header comes before any object").isEmpty();
            headers.add(header);
        }

        @Override
        public void onObject(ObjectFrame object) {
            assertThat(headers).as("an object comes after the header").hasSize(1);
            objects.add(object);
        }

        void releaseAll() {
            objects.forEach(ObjectFrame::release);
            objects.clear();
        }
    }

    /** One object as the test expects it. */
    private record Expected(long sequence, long timestamp, byte[] signature, byte[] payload, byte[] wire) {
    }

    private Expected object(long sequence, long timestamp, int signatureLength, int payloadLength, Random random) {
        byte[] sig = new byte[signatureLength];
        byte[] body = new byte[payloadLength];
        random.nextBytes(sig);
        random.nextBytes(body);
        ByteBuf s = alloc.wrap(sig);
        ByteBuf p = alloc.wrap(body);
        ObjectFrame f = ObjectFrame.encode(alloc, sequence, timestamp, signatureLength == 0 ? null : s, p);
        try {
            return new Expected(sequence, timestamp, sig, body, readable(f.wire()));
        } finally {
            f.release();
            s.release();
            p.release();
        }
    }

    private byte[] headerBytes(GroupHeader header) {
        ByteBuf b = alloc.buffer();
        try {
            header.encode(b);
            return readable(b);
        } finally {
            b.release();
        }
    }

    /** A group with payloads of varied sizes, 0 and about 1 MB included, across every varint length class. */
    private List<Expected> group() {
        Random random = new Random(0x67_0e_9L);
        List<Expected> objects = new ArrayList<>();
        objects.add(object(0, 0, 0, 0, random));
        objects.add(object(1, 63, 0, 1, random));
        objects.add(object(2, 64, 64, 63, random));
        objects.add(object(3, 16_383, 64, 64, random));
        objects.add(object(4, 16_384, 0, 16_383, random));
        objects.add(object(5, (1L << 30) - 1, 1, 16_384, random));
        objects.add(object(7, 1L << 30, 128, 1_048_576 + 5, random));
        objects.add(object(8, 1_700_000_000_000_000L, 1, 0, random));
        objects.add(object(1000, (1L << 62) - 1, 64, 100, random));
        return objects;
    }

    private byte[] stream(GroupHeader header, List<Expected> objects) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(headerBytes(header));
        objects.forEach(o -> parts.add(o.wire()));
        return concat(parts.toArray(byte[][]::new));
    }

    /**
     * Feeds {@code stream} in chunks of {@code chunk} bytes the way a stream handler would: appended to one
     * cumulation buffer, decoded, the consumed bytes discarded.
     */
    private void feed(GroupStreamDecoder decoder, byte[] stream, IntSupplier chunk) {
        ByteBuf cumulation = alloc.heapBuffer();
        try {
            int at = 0;
            while (at < stream.length) {
                int n = Math.min(stream.length - at, chunk.getAsInt());
                cumulation.writeBytes(stream, at, n);
                at += n;
                decoder.decode(cumulation, sink);
                cumulation.discardSomeReadBytes();
            }
            assertThat(cumulation.isReadable()).as("every byte consumed").isFalse();
        } finally {
            cumulation.release();
        }
    }

    private void assertDecodedExactly(List<Expected> expected) {
        assertThat(sink.headers).containsExactly(HEADER);
        assertThat(sink.objects).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Expected e = expected.get(i);
            ObjectFrame f = sink.objects.get(i);
            ByteBuf wire = f.wire();
            assertThat(f.sequence()).isEqualTo(e.sequence());
            assertThat(f.timestampMicros()).isEqualTo(e.timestamp());
            assertThat(f.payloadLength()).isEqualTo(e.payload().length);
            assertThat(wire.isDirect()).as("object %d is direct", i).isTrue();
            assertThat(wire.readerIndex()).isZero();
            assertThat(wire.capacity()).as("object %d is exactly sized", i)
                    .isEqualTo(wire.maxCapacity()).isEqualTo(wire.readableBytes()).isEqualTo(e.wire().length);
            assertThat(readable(wire)).as("object %d is byte-identical", i).isEqualTo(e.wire());
            assertThat(readable(f.payload())).isEqualTo(e.payload());
            assertThat(readable(f.signature())).isEqualTo(e.signature());
        }
    }

    private void decodeWhole(IntSupplier chunk) {
        List<Expected> expected = group();
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, ObjectFrame.DEFAULT_MAX_PAYLOAD);
        feed(decoder, stream(HEADER, expected), chunk);
        assertThat(decoder.isAtBoundary()).isTrue();
        assertThatCode(decoder::finish).doesNotThrowAnyException();
        assertThat(decoder.header()).isEqualTo(HEADER);
        assertDecodedExactly(expected);
    }

    @Test
    void aWholeGroupFedAllAtOnceDecodesToByteIdenticalObjects() {
        decodeWhole(() -> Integer.MAX_VALUE);
    }

    @Test
    void aWholeGroupFedOneByteAtATimeDecodesToByteIdenticalObjects() {
        decodeWhole(() -> 1);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 0xdecade, 0x5eed_5eedL, -7})
    void aWholeGroupFedInRandomChunksDecodesToByteIdenticalObjects(long seed) {
        Random random = new Random(seed);
        decodeWhole(() -> switch (random.nextInt(3)) {
            case 0 -> 1 + random.nextInt(8);
            case 1 -> 1 + random.nextInt(4096);
            default -> 1 + random.nextInt(300_000);
        });
    }

    /**
     * Feeds {@code stream} as a stream handler without a cumulation buffer would: every chunk in its own buffer,
     * released right after {@code decode}, so the decoder must keep any bytes it still needs.
     */
    private void feedSeparately(GroupStreamDecoder decoder, byte[] stream, IntSupplier chunk) {
        int at = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, chunk.getAsInt());
            ByteBuf in = Unpooled.wrappedBuffer(stream, at, n);
            at += n;
            try {
                decoder.decode(in, sink);
                assertThat(in.isReadable()).as("decode consumes all of its input").isFalse();
                assertThat(in.refCnt()).as("decode does not release its input").isEqualTo(1);
            } finally {
                in.release();
            }
        }
    }

    @Test
    void aWholeGroupFedOneByteAtATimeInSeparateBuffersDecodesToByteIdenticalObjects() {
        List<Expected> expected = group();
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, ObjectFrame.DEFAULT_MAX_PAYLOAD);
        feedSeparately(decoder, stream(HEADER, expected), () -> 1);
        decoder.finish();
        assertDecodedExactly(expected);
        decoder.release();
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 0xbadcafeL})
    void aWholeGroupFedInRandomSeparateBuffersDecodesToByteIdenticalObjects(long seed) {
        Random random = new Random(seed);
        List<Expected> expected = group();
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, ObjectFrame.DEFAULT_MAX_PAYLOAD);
        feedSeparately(decoder, stream(HEADER, expected), () -> random.nextBoolean()
                ? 1 + random.nextInt(40) : 1 + random.nextInt(100_000));
        decoder.finish();
        assertDecodedExactly(expected);
        decoder.release();
    }

    @Test
    void headersOfMaximalNonMinimalLengthSplitAnywhereAreReassembled() {
        // every varint of the group header and of the object headers in eight bytes: 32-byte headers
        byte[] groupHeader = concat(
                of(0xc0, 0, 0, 0, 0, 0, 0, 0x01), of(0xc0, 0, 0, 0, 0, 0, 0, 0x07),
                of(0xc0, 0, 0, 0, 0, 0, 0, 42), of(0xc0, 0, 0, 0, 0, 0, 0, 0x03));
        byte[] first = concat(of(0xc0, 0, 0, 0, 0, 0, 0, 0x01), of(0xc0, 0, 0, 0, 0, 0, 0, 0x02),
                of(0xc0, 0, 0, 0, 0, 0, 0, 0x00), of(0xc0, 0, 0, 0, 0, 0, 0, 0x01), of(0x61));
        byte[] second = concat(of(0xc0, 0, 0, 0, 0, 0, 0, 0x02), of(0xc0, 0, 0, 0, 0, 0, 0, 0x03),
                of(0xc0, 0, 0, 0, 0, 0, 0, 0x00), of(0xc0, 0, 0, 0, 0, 0, 0, 0x00));
        byte[] stream = concat(groupHeader, first, second);
        for (int split = 1; split < stream.length; split++) {
            for (int split2 = split; split2 <= stream.length; split2 += 5) {
                GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
                int[] cuts = {split, split2 - split, stream.length - split2};
                int[] next = {0};
                feedSeparately(decoder, stream, () -> cuts[next[0]++]);
                decoder.finish();
                assertThat(sink.headers).containsExactly(HEADER);
                assertThat(sink.objects).hasSize(2);
                assertThat(readable(sink.objects.get(0).wire())).containsExactly(first);
                assertThat(readable(sink.objects.get(1).wire())).containsExactly(second);
                decoder.release();
                sink.releaseAll();
                sink.headers.clear();
            }
        }
    }

    @Test
    void aWholeGroupFedOneObjectAtATimeDecodesToByteIdenticalObjects() {
        List<Expected> expected = group();
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, ObjectFrame.DEFAULT_MAX_PAYLOAD);
        ByteBuf buf = alloc.heapBuffer();
        try {
            buf.writeBytes(headerBytes(HEADER));
            assertThat(decoder.header()).isNull();
            assertThat(decoder.isAtBoundary()).isFalse();
            decoder.decode(buf, sink);
            assertThat(decoder.header()).isEqualTo(HEADER);
            assertThat(decoder.isAtBoundary()).isTrue();
            for (Expected e : expected) {
                buf.writeBytes(e.wire());
                decoder.decode(buf, sink);
                assertThat(buf.isReadable()).isFalse();
                assertThat(decoder.isAtBoundary()).isTrue();
                buf.clear();
            }
        } finally {
            buf.release();
        }
        decoder.finish();
        assertDecodedExactly(expected);
    }

    @Test
    void aGroupWithNoObjectsEndsCleanlyAfterItsHeader() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        feed(decoder, headerBytes(HEADER), () -> 1);
        assertThat(decoder.isAtBoundary()).isTrue();
        decoder.finish();
        assertThat(sink.headers).containsExactly(HEADER);
        assertThat(sink.objects).isEmpty();
    }

    @Test
    void decodeDoesNotReleaseItsInput() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        ByteBuf in = alloc.wrap(concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0x01, 0x61)));
        try {
            decoder.decode(in, sink);
            assertThat(in.refCnt()).isEqualTo(1);
            assertThat(in.isReadable()).isFalse();
            assertThat(sink.objects).hasSize(1);
        } finally {
            in.release();
        }
    }

    @Test
    void nonMinimalVarintsInAnObjectHeaderAreAcceptedAndKeptAsTheyAre() {
        // seq 0 in eight bytes, timestamp 1 in eight, signature length 2 in eight, payload length 3 in eight
        byte[] object = concat(
                of(0xc0, 0, 0, 0, 0, 0, 0, 0x00),
                of(0xc0, 0, 0, 0, 0, 0, 0, 0x01),
                of(0xc0, 0, 0, 0, 0, 0, 0, 0x02),
                of(0xc0, 0, 0, 0, 0, 0, 0, 0x03),
                of(0x5a, 0x5b),
                of(0x61, 0x62, 0x63));
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        feed(decoder, concat(headerBytes(HEADER), object), () -> 3);
        decoder.finish();
        assertThat(sink.objects).hasSize(1);
        ObjectFrame f = sink.objects.get(0);
        assertThat(readable(f.wire())).containsExactly(object);
        assertThat(readable(f.signature())).containsExactly(0x5a, 0x5b);
        assertThat(readable(f.payload())).containsExactly(0x61, 0x62, 0x63);
        assertThat(f.timestampMicros()).isEqualTo(1);
    }

    // limits

    @Test
    void aPayloadOverTheLimitIsRefusedFromTheObjectHeaderAlone() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        // seq 0 | ts 0 | sig 0 | payload length 1001 = 0x43e9, and no payload
        ByteBuf in = alloc.wrap(concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0x43, 0xe9)));
        try {
            int before = alloc.allocations();
            ProtocolException e = assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE, () -> decoder.decode(in, sink));
            assertThat(e.getMessage()).contains("1001").contains("1000");
            assertThat(alloc.allocations()).as("no buffer allocated for the refused object").isEqualTo(before);
        } finally {
            in.release();
        }
    }

    @Test
    void aPayloadAtTheLimitIsAccepted() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        // payload length 1000 = 0x43e8
        feed(decoder, concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0x43, 0xe8), new byte[1000]), () -> 100);
        decoder.finish();
        assertThat(sink.objects).hasSize(1);
        assertThat(sink.objects.get(0).payloadLength()).isEqualTo(1000);
    }

    @Test
    void aSignatureOverTheLimitIsRefusedFromTheObjectHeaderAlone() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        // signature length 129 = 0x4081
        ByteBuf in = alloc.wrap(concat(headerBytes(HEADER), of(0x00, 0x00, 0x40, 0x81, 0x00)));
        try {
            ProtocolException e = assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE, () -> decoder.decode(in, sink));
            assertThat(e.getMessage()).contains("signature");
        } finally {
            in.release();
        }
    }

    @Test
    void aSignatureAtTheLimitIsAccepted() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        feed(decoder, concat(headerBytes(HEADER), of(0x00, 0x00, 0x40, 0x80, 0x00), new byte[128]), () -> 7);
        decoder.finish();
        assertThat(sink.objects).hasSize(1);
        assertThat(sink.objects.get(0).signature().readableBytes()).isEqualTo(128);
    }

    @Test
    void aHugePayloadLengthIsRefusedAsTooLarge() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, ObjectFrame.DEFAULT_MAX_PAYLOAD);
        ByteBuf in = alloc.wrap(concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff)));
        try {
            assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE, () -> decoder.decode(in, sink));
        } finally {
            in.release();
        }
    }

    // sequence numbers

    @ParameterizedTest
    @ValueSource(longs = {3, 2, 0})
    void aSequenceNotAboveThePreviousIsAProtocolViolation(long next) {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        // object 3 complete, then the header of the next object only
        ByteBuf in = alloc.wrap(concat(headerBytes(HEADER), of(0x03, 0x00, 0x00, 0x01, 0x61), of((int) next, 0x00,
                0x00, 0x05)));
        try {
            ProtocolException e = assertProtocolError(ErrorCode.PROTOCOL_VIOLATION, () -> decoder.decode(in, sink));
            assertThat(e.getMessage()).contains("group 42");
            assertThat(sink.objects).extracting(ObjectFrame::sequence).containsExactly(3L);
        } finally {
            in.release();
        }
    }

    @Test
    void sequencesMayStartAnywhereAndSkip() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        feed(decoder, concat(headerBytes(HEADER), of(0x10, 0x00, 0x00, 0x00), of(0x11, 0x00, 0x00, 0x00),
                of(0x40, 0x40, 0x00, 0x00, 0x00)), () -> 1);
        decoder.finish();
        assertThat(sink.objects).extracting(ObjectFrame::sequence).containsExactly(16L, 17L, 64L);
    }

    // header errors

    @Test
    void anUnknownStreamTypeIsRefused() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        ByteBuf in = alloc.bytes(0x02, 0x05, 0x00, 0x00);
        try {
            assertProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, () -> decoder.decode(in, sink));
            assertThat(sink.headers).isEmpty();
        } finally {
            in.release();
        }
    }

    // end of stream

    @Test
    void finishBeforeAnyByteIsTruncated() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        assertThat(decoder.isAtBoundary()).isFalse();
        assertProtocolError(ErrorCode.TRUNCATED, decoder::finish);
    }

    @Test
    void finishInsideTheGroupHeaderIsTruncated() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        ByteBuf in = alloc.bytes(0x01, 0x05);
        try {
            decoder.decode(in, sink);
            assertThat(decoder.header()).isNull();
            assertThat(decoder.isAtBoundary()).isFalse();
            ProtocolException e = assertProtocolError(ErrorCode.TRUNCATED, decoder::finish);
            assertThat(e.getMessage()).contains("header");
        } finally {
            in.release();
        }
    }

    @Test
    void finishInsideAnObjectIsTruncatedAndReleasesThePartialObject() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        ByteBuf in = alloc.wrap(concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0x01, 0x61), of(0x01, 0x00, 0x00,
                0x05, 0x61, 0x62)));
        try {
            decoder.decode(in, sink);
            assertThat(in.isReadable()).isFalse();
            assertThat(sink.objects).hasSize(1);
            assertThat(decoder.isAtBoundary()).isFalse();
        } finally {
            in.release();
        }
        sink.releaseAll();
        assertThat(alloc.outstanding()).as("the partial object").hasSize(1);
        ProtocolException e = assertProtocolError(ErrorCode.TRUNCATED, decoder::finish);
        assertThat(e.getMessage()).contains("object 1").contains("group 42");
        assertThat(alloc.outstanding()).as("partial object released by finish()").isEmpty();
    }

    @Test
    void finishInsideAnObjectHeaderIsTruncated() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        ByteBuf cumulation = alloc.wrap(concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0x01, 0x61)));
        try {
            decoder.decode(cumulation, sink);
            assertThat(decoder.isAtBoundary()).isTrue();
            // two of the four varints of the next object's header arrive, then FIN
            cumulation.writeBytes(of(0x01, 0x00));
            decoder.decode(cumulation, sink);
            assertThat(cumulation.isReadable()).as("the half header is kept by the decoder").isFalse();
            assertThat(decoder.isAtBoundary()).as("an object header is half read").isFalse();
            ProtocolException e = assertProtocolError(ErrorCode.TRUNCATED, decoder::finish);
            assertThat(e.getMessage()).contains("group 42");
        } finally {
            cumulation.release();
        }
        assertThat(sink.objects).hasSize(1);
    }

    @Test
    void finishAtAnObjectBoundaryIsClean() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        feed(decoder, concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0x01, 0x61)), () -> 2);
        assertThat(decoder.isAtBoundary()).isTrue();
        assertThatCode(decoder::finish).doesNotThrowAnyException();
        assertThat(sink.objects).hasSize(1);
    }

    @Test
    void releaseDropsAPartialObjectAndMayBeCalledTwice() {
        GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, 1000);
        ByteBuf in = alloc.wrap(concat(headerBytes(HEADER), of(0x00, 0x00, 0x00, 0x05, 0x61)));
        try {
            decoder.decode(in, sink);
        } finally {
            in.release();
        }
        assertThat(alloc.outstanding()).hasSize(1);
        decoder.release();
        assertThat(alloc.outstanding()).isEmpty();
        decoder.release();
    }
}
