package dev.treecast.protocol;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.netty.buffer.ByteBuf;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class StringsTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private byte[] encode(String value) {
        ByteBuf out = alloc.buffer();
        try {
            Strings.write(out, value);
            assertThat(out.readableBytes()).as("encodedLength").isEqualTo(Strings.encodedLength(value));
            return readable(out);
        } finally {
            out.release();
        }
    }

    @Test
    void emptyStringIsASingleZeroLength() {
        assertThat(encode("")).containsExactly(0x00);
    }

    @Test
    void asciiIsItsLengthThenItsBytes() {
        assertThat(encode("abc")).containsExactly(0x03, 0x61, 0x62, 0x63);
    }

    @Test
    void lengthCountsUtf8BytesNotChars() {
        assertThat(encode("é")).containsExactly(0x02, 0xc3, 0xa9);
        assertThat(encode("€")).containsExactly(0x03, 0xe2, 0x82, 0xac);
        assertThat(encode("😀")).containsExactly(0x04, 0xf0, 0x9f, 0x98, 0x80);
    }

    @Test
    void sixtyFourBytesTakeATwoByteLength() {
        byte[] bytes = encode("x".repeat(64));
        assertThat(bytes).hasSize(66).startsWith(0x40, 0x40, 0x78);
    }

    @Test
    void readRoundTripsAndConsumesExactlyTheString() {
        ByteBuf in = alloc.bytes(0x02, 0xc3, 0xa9, 0x03, 0x61, 0x62, 0x63, 0x99);
        try {
            assertThat(Strings.read(in, "a", 2)).isEqualTo("é");
            assertThat(Strings.read(in, "b", 3)).isEqualTo("abc");
            assertThat(in.readableBytes()).isEqualTo(1);
        } finally {
            in.release();
        }
    }

    @Test
    void readRefusesAStringLongerThanItsLimitAsMalformed() {
        ByteBuf in = alloc.bytes(0x03, 0x61, 0x62, 0x63);
        try {
            ProtocolException e = assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> Strings.read(in, "node id", 2));
            assertThat(e.getMessage()).contains("node id").contains("3").contains("2");
        } finally {
            in.release();
        }
    }

    @Test
    void readRefusesATruncatedStringAsMalformed() {
        ByteBuf in = alloc.bytes(0x05, 0x61, 0x62);
        try {
            assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> Strings.read(in, "s", 100));
            assertThat(in.readerIndex()).as("string bytes not skipped").isLessThanOrEqualTo(1);
        } finally {
            in.release();
        }
    }

    @Test
    void readRefusesATruncatedLengthAsMalformed() {
        ByteBuf in = alloc.bytes(0x40);
        try {
            assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> Strings.read(in, "s", 100));
        } finally {
            in.release();
        }
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                Arguments.of("lone continuation byte", new int[] {0x80}),
                Arguments.of("bad continuation", new int[] {0xc3, 0x28}),
                Arguments.of("0xff is never UTF-8", new int[] {0xff}),
                Arguments.of("overlong NUL", new int[] {0xc0, 0x80}),
                Arguments.of("overlong slash", new int[] {0xe0, 0x80, 0xaf}),
                Arguments.of("UTF-16 surrogate", new int[] {0xed, 0xa0, 0x80}),
                Arguments.of("above U+10FFFF", new int[] {0xf4, 0x90, 0x80, 0x80}),
                Arguments.of("sequence cut at the end of the string", new int[] {0x61, 0xe2, 0x82}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void readRefusesInvalidUtf8AsMalformed(String what, int[] body) {
        int[] framed = new int[body.length + 1];
        framed[0] = body.length;
        System.arraycopy(body, 0, framed, 1, body.length);
        ByteBuf in = alloc.bytes(framed);
        try {
            ProtocolException e = assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> Strings.read(in, "reason", 100));
            assertThat(e.getMessage()).contains("UTF-8");
        } finally {
            in.release();
        }
    }

    @Test
    void checkLengthCountsBytesAndRefusesNullAndOversizeWithIllegalArgument() {
        assertThat(Strings.checkLength("éé", "f", 4)).isEqualTo("éé");
        assertThatIllegalArgumentException().isThrownBy(() -> Strings.checkLength("ééé", "f", 5))
                .withMessageContaining("6");
        assertThatIllegalArgumentException().isThrownBy(() -> Strings.checkLength(null, "f", 5))
                .withMessageContaining("null");
    }
}
