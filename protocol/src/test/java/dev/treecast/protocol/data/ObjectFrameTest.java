package dev.treecast.protocol.data;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.concat;
import static dev.treecast.protocol.Wire.of;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.TrackingAllocator;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class ObjectFrameTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    @Test
    void encodesAnUnsignedObjectToExactBytes() {
        ByteBuf payload = alloc.bytes(0x61, 0x62, 0x63);
        ObjectFrame frame = ObjectFrame.encode(alloc, 1, 1000, null, payload);
        try {
            // seq 1 | timestamp 1000 = 0x43e8 | signature length 0 | payload length 3 | "abc"
            assertThat(readable(frame.wire())).containsExactly(0x01, 0x43, 0xe8, 0x00, 0x03, 0x61, 0x62, 0x63);
            assertThat(frame.sequence()).isEqualTo(1);
            assertThat(frame.timestampMicros()).isEqualTo(1000);
            assertThat(frame.payloadLength()).isEqualTo(3);
            assertThat(frame.wireLength()).isEqualTo(8);
            assertThat(frame.signature().readableBytes()).isZero();
            assertThat(readable(frame.payload())).containsExactly(0x61, 0x62, 0x63);
            assertThat(ObjectFrame.headerLength(1, 1000, 0, 3)).isEqualTo(5);
        } finally {
            frame.release();
            payload.release();
        }
    }

    @Test
    void encodesASignedObjectToExactBytes() {
        byte[] sig = new byte[64];
        Arrays.fill(sig, (byte) 0xaa);
        ByteBuf signature = alloc.wrap(sig);
        ByteBuf payload = alloc.bytes(0x01, 0x02);
        ObjectFrame frame = ObjectFrame.encode(alloc, 63, 1L << 30, signature, payload);
        try {
            // seq 63 | timestamp 2^30 (eight bytes) | signature length 64 = 0x4040 | payload length 2 | sig | payload
            assertThat(readable(frame.wire())).containsExactly(concat(
                    of(0x3f, 0xc0, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40, 0x40, 0x02), sig, of(0x01, 0x02)));
            assertThat(readable(frame.signature())).containsExactly(sig);
            assertThat(readable(frame.payload())).containsExactly(0x01, 0x02);
            assertThat(frame.toString()).contains("seq=63").contains("payload=2B").contains("sig=64B");
        } finally {
            frame.release();
            signature.release();
            payload.release();
        }
    }

    @Test
    void encodesAnEmptyObject() {
        ByteBuf signature = alloc.buffer(0);
        ByteBuf payload = alloc.buffer(0);
        ObjectFrame frame = ObjectFrame.encode(alloc, 0, 0, signature, payload);
        try {
            assertThat(readable(frame.wire())).containsExactly(0x00, 0x00, 0x00, 0x00);
            assertThat(frame.payloadLength()).isZero();
            assertThat(frame.payload().readableBytes()).isZero();
        } finally {
            frame.release();
            signature.release();
            payload.release();
        }
    }

    @Test
    void encodeMakesOneExactlySizedDirectBufferAndLeavesItsInputsAlone() {
        ByteBuf signature = alloc.bytes(0xee, 0x01, 0x02, 0x03);
        signature.readerIndex(1);
        ByteBuf payload = alloc.bytes(0xee, 0xee, 0x10, 0x20, 0x30);
        payload.readerIndex(2);
        ObjectFrame frame = ObjectFrame.encode(alloc, 7, 8, signature, payload);
        try {
            ByteBuf wire = frame.wire();
            assertThat(wire.isDirect()).isTrue();
            assertThat(wire.capacity()).isEqualTo(wire.maxCapacity()).isEqualTo(wire.readableBytes());
            assertThat(readable(wire)).containsExactly(0x07, 0x08, 0x03, 0x03, 0x01, 0x02, 0x03, 0x10, 0x20, 0x30);
            assertThat(signature.readerIndex()).isEqualTo(1);
            assertThat(payload.readerIndex()).isEqualTo(2);
            assertThat(signature.refCnt()).isEqualTo(1);
            assertThat(payload.refCnt()).isEqualTo(1);
        } finally {
            frame.release();
            signature.release();
            payload.release();
        }
    }

    @Test
    void encodeRefusesAnOversizeSignatureWithoutAllocating() {
        ByteBuf signature = alloc.buffer(129).writeZero(ObjectFrame.MAX_SIGNATURE + 1);
        ByteBuf payload = alloc.bytes(0x01);
        try {
            int before = alloc.allocations();
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> ObjectFrame.encode(alloc, 1, 1, signature, payload));
            assertThat(alloc.allocations()).isEqualTo(before);
        } finally {
            signature.release();
            payload.release();
        }
    }

    @Test
    void encodeRefusesOutOfRangeSequenceOrTimestampWithoutAllocating() {
        ByteBuf payload = alloc.bytes(0x01);
        try {
            int before = alloc.allocations();
            assertThatIllegalArgumentException().isThrownBy(() -> ObjectFrame.encode(alloc, -1, 1, null, payload));
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> ObjectFrame.encode(alloc, 1, Varint.MAX + 1, null, payload));
            assertThat(alloc.allocations()).isEqualTo(before);
        } finally {
            payload.release();
        }
    }

    @Test
    void wrapReadsTheFieldsOfACopyOfAnEncodedObject() {
        Random random = new Random(0x0b1ec7L);
        for (int i = 0; i < 200; i++) {
            long seq = random.nextLong(Varint.MAX + 1) >>> random.nextInt(62);
            long ts = random.nextLong(Varint.MAX + 1) >>> random.nextInt(62);
            byte[] sig = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(ObjectFrame.MAX_SIGNATURE + 1)];
            byte[] body = new byte[random.nextInt(3) == 0 ? random.nextInt(70_000) : random.nextInt(100)];
            random.nextBytes(sig);
            random.nextBytes(body);
            ByteBuf signature = alloc.wrap(sig);
            ByteBuf payload = alloc.wrap(body);
            ObjectFrame encoded = ObjectFrame.encode(alloc, seq, ts, signature, payload);
            ObjectFrame wrapped = null;
            try {
                assertThat(encoded.wireLength())
                        .isEqualTo(ObjectFrame.headerLength(seq, ts, sig.length, body.length) + sig.length + body.length);
                // a copy at a non-zero reader index, as a receive buffer would hold it
                ByteBuf copy = alloc.directBuffer(encoded.wireLength() + 5);
                copy.writeZero(5).readerIndex(5);
                copy.writeBytes(encoded.wire(), encoded.wire().readerIndex(), encoded.wireLength());
                wrapped = ObjectFrame.wrap(copy);
                assertThat(wrapped.wire()).isSameAs(copy);
                assertThat(wrapped.sequence()).isEqualTo(seq);
                assertThat(wrapped.timestampMicros()).isEqualTo(ts);
                assertThat(wrapped.payloadLength()).isEqualTo(body.length);
                assertThat(wrapped.wireLength()).isEqualTo(encoded.wireLength());
                assertThat(readable(wrapped.payload())).containsExactly(body);
                assertThat(readable(wrapped.signature())).containsExactly(sig);
                assertThat(readable(wrapped.wire())).containsExactly(readable(encoded.wire()));
            } finally {
                encoded.release();
                if (wrapped != null) {
                    wrapped.release();
                }
                signature.release();
                payload.release();
            }
        }
    }

    @Test
    void wrapAcceptsNonMinimalVarintsAndKeepsTheBytesAsTheyAre() {
        // seq 5 in two bytes, timestamp 9 in four, signature length 1 in eight, payload length 2 in two
        byte[] wire = of(0x40, 0x05, 0x80, 0x00, 0x00, 0x09, 0xc0, 0, 0, 0, 0, 0, 0, 0x01, 0x40, 0x02, 0x5a, 0x01, 0x02);
        ObjectFrame frame = ObjectFrame.wrap(alloc.wrap(wire));
        try {
            assertThat(frame.sequence()).isEqualTo(5);
            assertThat(frame.timestampMicros()).isEqualTo(9);
            assertThat(readable(frame.signature())).containsExactly(0x5a);
            assertThat(readable(frame.payload())).containsExactly(0x01, 0x02);
            assertThat(readable(frame.wire())).containsExactly(wire);
        } finally {
            frame.release();
        }
    }

    private void assertWrapRefusesAndReleases(int... wire) {
        ByteBuf buf = alloc.bytes(wire);
        assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> ObjectFrame.wrap(buf));
        assertThat(buf.refCnt()).as("wrap releases the buffer it refuses").isZero();
    }

    @Test
    void wrapOfAnObjectShorterThanItsLengthsIsMalformedAndReleasesTheBuffer() {
        assertWrapRefusesAndReleases(0x01, 0x01, 0x00, 0x03, 0x61, 0x62);
        assertWrapRefusesAndReleases(0x01, 0x01, 0x02, 0x00, 0x61);
    }

    @Test
    void wrapOfAnObjectLongerThanItsLengthsIsMalformedAndReleasesTheBuffer() {
        assertWrapRefusesAndReleases(0x01, 0x01, 0x00, 0x03, 0x61, 0x62, 0x63, 0x64);
        assertWrapRefusesAndReleases(0x01, 0x01, 0x00, 0x00, 0x00);
    }

    @Test
    void wrapOfATruncatedObjectHeaderIsMalformedAndReleasesTheBuffer() {
        assertWrapRefusesAndReleases();
        assertWrapRefusesAndReleases(0x01);
        assertWrapRefusesAndReleases(0x01, 0x01);
        assertWrapRefusesAndReleases(0x01, 0x01, 0x00);
        assertWrapRefusesAndReleases(0x01, 0x01, 0x00, 0x40);
    }

    @Test
    void wrapOfAnOversizeSignatureIsMalformedAndReleasesTheBuffer() {
        int[] wire = new int[4 + 129];
        wire[0] = 0x01;
        wire[1] = 0x01;
        wire[2] = 0x40; // signature length 129 = 0x4081
        wire[3] = 0x81;
        // payload length 0 would follow; the check on the signature length comes first
        assertWrapRefusesAndReleases(wire);
    }

    @Test
    void retainAndReleaseCountReferencesOnTheWire() {
        ByteBuf payload = alloc.bytes(0x01);
        ObjectFrame frame = ObjectFrame.encode(alloc, 1, 1, null, payload);
        payload.release();
        assertThat(frame.retain()).isSameAs(frame);
        assertThat(frame.wire().refCnt()).isEqualTo(2);
        assertThat(frame.release()).isFalse();
        assertThat(frame.release()).isTrue();
        assertThat(frame.wire().refCnt()).isZero();
    }

    @Test
    void aRetainedDuplicateOfTheWireSharesTheBytesWithoutCopying() {
        ByteBuf payload = alloc.bytes(0x01, 0x02);
        ObjectFrame frame = ObjectFrame.encode(alloc, 1, 1, null, payload);
        payload.release();
        ByteBuf a = frame.wire().retainedDuplicate();
        ByteBuf b = frame.wire().retainedDuplicate();
        try {
            frame.release();
            a.skipBytes(a.readableBytes());
            assertThat(readable(b)).containsExactly(0x01, 0x01, 0x00, 0x02, 0x01, 0x02);
        } finally {
            a.release();
            b.release();
        }
    }
}
