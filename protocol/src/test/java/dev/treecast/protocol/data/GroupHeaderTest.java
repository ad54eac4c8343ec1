package dev.treecast.protocol.data;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Arrays;
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

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.TrackingAllocator;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class GroupHeaderTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    static Stream<Arguments> headers() {
        return Stream.of(
                // stream type 0x01 | subscription id | group | priority
                Arguments.of(new GroupHeader(5, 0, 0), new int[] {0x01, 0x05, 0x00, 0x00}),
                Arguments.of(new GroupHeader(64, 16_384, 255), new int[] {
                        0x01, 0x40, 0x40, 0x80, 0x00, 0x40, 0x00, 0x40, 0xff}),
                Arguments.of(new GroupHeader(Varint.MAX, Varint.MAX, 128), new int[] {
                        0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                        0xff, 0xff, 0x40, 0x80}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headers")
    void encodesToExactBytesAndDecodesBack(GroupHeader header, int[] expected) {
        ByteBuf buf = alloc.buffer();
        try {
            header.encode(buf);
            assertThat(readable(buf)).containsExactly(expected);
            assertThat(header.encodedLength()).isEqualTo(expected.length).isLessThanOrEqualTo(GroupHeader.MAX_LENGTH);
            assertThat(GroupHeader.decode(buf)).isEqualTo(header);
            assertThat(buf.isReadable()).isFalse();
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headers")
    void everyProperPrefixDecodesToNullWithoutConsuming(GroupHeader header, int[] wire) {
        for (int k = 0; k < wire.length; k++) {
            ByteBuf buf = alloc.bytes(Arrays.copyOf(wire, k));
            try {
                assertThat(GroupHeader.decode(buf)).as("after %d bytes", k).isNull();
                assertThat(buf.readerIndex()).isZero();
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void decodeLeavesTheBytesAfterTheHeaderUnread() {
        ByteBuf buf = alloc.bytes(0x01, 0x05, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00);
        try {
            assertThat(GroupHeader.decode(buf)).isEqualTo(new GroupHeader(5, 2, 3));
            assertThat(buf.readerIndex()).isEqualTo(4);
        } finally {
            buf.release();
        }
    }

    @Test
    void anUnknownStreamTypeIsRefusedFromItsFirstByte() {
        for (int[] type : new int[][] {{0x00}, {0x02}, {0x3f}, {0x40, 0x02}, {0x40, 0x00}}) {
            ByteBuf buf = alloc.bytes(type);
            try {
                assertProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, () -> GroupHeader.decode(buf));
                assertThat(buf.readerIndex()).isZero();
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void aPriorityAbove255IsMalformed() {
        ByteBuf buf = alloc.bytes(0x01, 0x05, 0x00, 0x41, 0x00);
        try {
            assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> GroupHeader.decode(buf));
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
        ByteBuf max = alloc.bytes(0x01, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
        try {
            assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> GroupHeader.decode(max));
        } finally {
            max.release();
        }
    }

    @Test
    void constructorRefusesOutOfRangeFields() {
        assertThatIllegalArgumentException().isThrownBy(() -> new GroupHeader(-1, 0, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new GroupHeader(0, -1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new GroupHeader(Varint.MAX + 1, 0, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new GroupHeader(0, Varint.MAX + 1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new GroupHeader(0, 0, -1));
        assertThatIllegalArgumentException().isThrownBy(() -> new GroupHeader(0, 0, 256));
    }

    @Test
    void randomHeadersRoundTrip() {
        Random random = new Random(0x6e0_4ead_e2L);
        ByteBuf buf = alloc.buffer();
        try {
            for (int i = 0; i < 2000; i++) {
                GroupHeader h = new GroupHeader(random.nextLong(Varint.MAX + 1) >>> random.nextInt(62),
                        random.nextLong(Varint.MAX + 1) >>> random.nextInt(62), random.nextInt(256));
                h.encode(buf);
                assertThat(buf.readableBytes()).isEqualTo(h.encodedLength());
                assertThat(GroupHeader.decode(buf)).isEqualTo(h);
                assertThat(buf.isReadable()).isFalse();
                buf.clear();
            }
        } finally {
            buf.release();
        }
    }
}
