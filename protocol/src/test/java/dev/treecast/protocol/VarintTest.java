package dev.treecast.protocol;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class VarintTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private byte[] encode(long value) {
        ByteBuf out = alloc.buffer();
        try {
            Varint.write(out, value);
            return readable(out);
        } finally {
            out.release();
        }
    }

    private long decode(int... bytes) {
        ByteBuf in = alloc.bytes(bytes);
        try {
            long value = Varint.read(in, "test");
            assertThat(in.isReadable()).as("whole varint consumed").isFalse();
            return value;
        } finally {
            in.release();
        }
    }

    // RFC 9000 §A.1 sample encodings

    @Test
    void rfc9000EightByteSampleEncodesAndDecodes() {
        assertThat(encode(151_288_809_941_952_652L))
                .containsExactly(0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c);
        assertThat(decode(0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c)).isEqualTo(151_288_809_941_952_652L);
    }

    @Test
    void rfc9000FourByteSampleEncodesAndDecodes() {
        assertThat(encode(494_878_333L)).containsExactly(0x9d, 0x7f, 0x3e, 0x7d);
        assertThat(decode(0x9d, 0x7f, 0x3e, 0x7d)).isEqualTo(494_878_333L);
    }

    @Test
    void rfc9000TwoByteSampleEncodesAndDecodes() {
        assertThat(encode(15_293)).containsExactly(0x7b, 0xbd);
        assertThat(decode(0x7b, 0xbd)).isEqualTo(15_293L);
    }

    @Test
    void rfc9000OneByteSampleEncodesAndDecodes() {
        assertThat(encode(37)).containsExactly(0x25);
        assertThat(decode(0x25)).isEqualTo(37L);
    }

    @Test
    void nonMinimalEncodingsDecodeToTheSameValue() {
        assertThat(decode(0x40, 0x25)).isEqualTo(37L);
        assertThat(decode(0x80, 0x00, 0x00, 0x25)).isEqualTo(37L);
        assertThat(decode(0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x25)).isEqualTo(37L);
    }

    // boundaries between the length classes

    static Stream<Arguments> boundaries() {
        return Stream.of(
                Arguments.of(0L, new int[] {0x00}),
                Arguments.of(63L, new int[] {0x3f}),
                Arguments.of(64L, new int[] {0x40, 0x40}),
                Arguments.of(16_383L, new int[] {0x7f, 0xff}),
                Arguments.of(16_384L, new int[] {0x80, 0x00, 0x40, 0x00}),
                Arguments.of((1L << 30) - 1, new int[] {0xbf, 0xff, 0xff, 0xff}),
                Arguments.of(1L << 30, new int[] {0xc0, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00}),
                Arguments.of((1L << 62) - 1, new int[] {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boundaries")
    void boundaryValuesUseTheShortestFormAndRoundTrip(long value, int[] expected) {
        assertThat(encode(value)).containsExactly(expected);
        assertThat(Varint.encodedLength(value)).isEqualTo(expected.length);
        assertThat(decode(expected)).isEqualTo(value);
    }

    @Test
    void maxIsTwoToTheSixtySecondMinusOne() {
        assertThat(Varint.MAX).isEqualTo(4_611_686_018_427_387_903L);
    }

    @ParameterizedTest
    @ValueSource(longs = {-1L, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE})
    void outOfRangeValuesAreRejectedWithoutWritingAnything(long value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Varint.encodedLength(value));
        ByteBuf out = alloc.buffer();
        try {
            assertThatIllegalArgumentException().isThrownBy(() -> Varint.write(out, value));
            assertThat(out.writerIndex()).isZero();
        } finally {
            out.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boundaries")
    void everyProperPrefixIsIncompleteAndReadFailsAsMalformedWithoutConsuming(long value, int[] encoded) {
        for (int len = 0; len < encoded.length; len++) {
            int[] prefix = java.util.Arrays.copyOf(encoded, len);
            ByteBuf in = alloc.bytes(prefix);
            try {
                assertThat(Varint.isComplete(in, 0)).as("prefix of %d bytes", len).isFalse();
                assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> Varint.read(in, "field"));
                assertThat(in.readerIndex()).isZero();
            } finally {
                in.release();
            }
        }
    }

    @Test
    void truncatedVarintErrorNamesTheField() {
        ByteBuf in = alloc.bytes(0x7b);
        try {
            assertThat(assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> Varint.read(in, "SETUP version"))
                    .getMessage()).contains("SETUP version");
        } finally {
            in.release();
        }
    }

    @Test
    void lengthAtReadsTheTwoHighBits() {
        ByteBuf in = alloc.bytes(0x3f, 0x40, 0x80, 0xc0);
        try {
            assertThat(Varint.lengthAt(in, 0)).isEqualTo(1);
            assertThat(Varint.lengthAt(in, 1)).isEqualTo(2);
            assertThat(Varint.lengthAt(in, 2)).isEqualTo(4);
            assertThat(Varint.lengthAt(in, 3)).isEqualTo(8);
        } finally {
            in.release();
        }
    }

    @Test
    void getAndIsCompleteWorkAtAnIndexWithoutMovingTheReaderIndex() {
        ByteBuf in = alloc.bytes(0xaa, 0x7b, 0xbd, 0x25);
        try {
            in.readerIndex(1);
            assertThat(Varint.isComplete(in, 1)).isTrue();
            assertThat(Varint.get(in, 1)).isEqualTo(15_293L);
            assertThat(Varint.isComplete(in, 3)).isTrue();
            assertThat(Varint.get(in, 3)).isEqualTo(37L);
            assertThat(Varint.isComplete(in, 4)).as("nothing at the writer index").isFalse();
            assertThat(in.readerIndex()).isEqualTo(1);
            assertThat(Varint.read(in, "a")).isEqualTo(15_293L);
            assertThat(Varint.read(in, "b")).isEqualTo(37L);
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    void readWithMaximumAcceptsTheMaximumAndRejectsAboveItAsMalformed() {
        ByteBuf in = alloc.bytes(0x40, 0xff, 0x41, 0x00);
        try {
            assertThat(Varint.read(in, "priority", 255)).isEqualTo(255L);
            ProtocolException e = assertProtocolError(ErrorCode.MALFORMED_MESSAGE,
                    () -> Varint.read(in, "priority", 255));
            assertThat(e.getMessage()).contains("priority").contains("256");
        } finally {
            in.release();
        }
    }

    @Test
    void randomValuesOfEveryLengthClassRoundTripThroughOneBuffer() {
        Random random = new Random(0x7ea5ca57L);
        long[] values = new long[4000];
        ByteBuf buf = alloc.buffer();
        try {
            int expectedBytes = 0;
            for (int i = 0; i < values.length; i++) {
                long bound = switch (i % 4) {
                    case 0 -> 1L << 6;
                    case 1 -> 1L << 14;
                    case 2 -> 1L << 30;
                    default -> 1L << 62;
                };
                values[i] = random.nextLong(bound);
                expectedBytes += Varint.encodedLength(values[i]);
                Varint.write(buf, values[i]);
            }
            assertThat(buf.readableBytes()).isEqualTo(expectedBytes);
            for (long v : values) {
                assertThat(Varint.read(buf, "v")).isEqualTo(v);
            }
            assertThat(buf.isReadable()).isFalse();
        } finally {
            buf.release();
        }
    }
}
