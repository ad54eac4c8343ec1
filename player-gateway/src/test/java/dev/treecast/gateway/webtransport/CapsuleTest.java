package dev.treecast.gateway.webtransport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.LeakCheck;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

@ExtendWith(LeakCheck.class)
@Timeout(10)
class CapsuleTest {
    private final CapsuleDecoder decoder = new CapsuleDecoder();
    private final List<Capsule> read = new ArrayList<>();

    @AfterEach
    void release() {
        decoder.release();
    }

    private static byte[] encode(Capsule.CloseSession close) {
        ByteBuf out = Unpooled.buffer();
        close.encode(out);
        assertThat(out.readableBytes()).isEqualTo(close.encodedLength());
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }

    private void feed(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        feed(b);
    }

    private void feed(byte[] bytes) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        decoder.decode(in, read::add);
        assertThat(in.isReadable()).as("everything consumed").isFalse();
    }


    @Test
    void closeWebTransportSessionIsType0x2843ThenLengthThen32BitCodeThenUtf8Reason() {
        assertThat(encode(new Capsule.CloseSession(5, "bad")))
                .isEqualTo(new byte[] {0x68, 0x43, 0x07, 0x00, 0x00, 0x00, 0x05, 'b', 'a', 'd'});
        assertThat(encode(new Capsule.CloseSession(0, "")))
                .isEqualTo(new byte[] {0x68, 0x43, 0x04, 0x00, 0x00, 0x00, 0x00});
        assertThat(encode(new Capsule.CloseSession(0xFFFF_FFFFL, "é")))
                .isEqualTo(new byte[] {0x68, 0x43, 0x06, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                        (byte) 0xC3, (byte) 0xA9});
    }

    @Test
    void aCloseRoundTrips() {
        Capsule.CloseSession close = new Capsule.CloseSession(0x0D, "stream ended inside a message ✓");
        feed(encode(close));
        assertThat(read).containsExactly(close);
        assertThat(decoder.isClosed()).isTrue();
    }

    @Test
    void aLongReasonIsTruncatedAtACharacterBoundaryToFit() {
        String reason = "✓".repeat(400) + "x".repeat(10);
        Capsule.CloseSession close = Capsule.CloseSession.truncating(3, reason);
        assertThat(ByteBufUtil.utf8Bytes(close.reason())).isLessThanOrEqualTo(Capsule.CloseSession.MAX_REASON);
        assertThat(reason).startsWith(close.reason());
        assertThatThrownBy(() -> new Capsule.CloseSession(3, reason)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void greaseAndUnknownCapsulesAreSkippedHoweverTheyAreSplit() {
        byte[] close = encode(new Capsule.CloseSession(0, "done"));
        ByteBuf all = Unpooled.buffer();
        all.writeBytes(new byte[] {0x40, 0x40, 0x03, 'a', 'b', 'c'}); // GREASE type 0x40, 3 bytes
        all.writeBytes(new byte[] {(byte) 0x80, 0x00, 0x78, (byte) 0xae, 0x00}); // DRAIN_WEBTRANSPORT_SESSION, empty
        all.writeBytes(new byte[] {0x21, 0x42, 0x00}); // unknown type 0x21, 512 bytes
        all.writeBytes(new byte[512]);
        all.writeBytes(close);
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            CapsuleDecoder split = new CapsuleDecoder();
            List<Capsule> got = new ArrayList<>();
            int i = 0;
            while (i < bytes.length) {
                int n = Math.min(bytes.length - i, 1 + random.nextInt(round % 2 == 0 ? 3 : 200));
                ByteBuf chunk = Unpooled.wrappedBuffer(bytes, i, n);
                split.decode(chunk, got::add);
                assertThat(chunk.isReadable()).isFalse();
                i += n;
            }
            split.finish();
            assertThat(got).containsExactly(new Capsule.Unknown(0x40, 3), new Capsule.Unknown(0x78ae, 0),
                    new Capsule.Unknown(0x21, 512), new Capsule.CloseSession(0, "done"));
        }
    }

    @Test
    void aCloseTooShortForItsCodeIsMalformed() {
        assertThatThrownBy(() -> feed(0x68, 0x43, 0x02, 0x00, 0x00))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE));
    }

    @Test
    void aCloseLongerThanTheSpecAllowsIsRefusedBeforeItsValueArrives() {
        // Declares 4 + 1025 bytes; only the header is sent.
        assertThatThrownBy(() -> feed(0x68, 0x43, 0x44, 0x05))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));
    }

    @Test
    void aCloseWhoseReasonIsNotUtf8IsMalformed() {
        assertThatThrownBy(() -> feed(0x68, 0x43, 0x05, 0, 0, 0, 1, 0xC3))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE));
    }

    @Test
    void anythingAfterACloseIsMalformed() {
        feed(encode(new Capsule.CloseSession(0, "")));
        assertThatThrownBy(() -> feed(0x40, 0x40, 0x00))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE));
    }

    @Test
    void finInsideACapsuleHeaderOrValueIsTruncated() {
        for (int[] partial : new int[][] {{0x68}, {0x68, 0x43}, {0x68, 0x43, 0x07, 0, 0}, {0x21, 0x05, 1, 2}}) {
            CapsuleDecoder d = new CapsuleDecoder();
            ByteBuf in = Unpooled.buffer();
            for (int b : partial) {
                in.writeByte(b);
            }
            d.decode(in, read::add);
            in.release();
            assertThatThrownBy(d::finish).isInstanceOfSatisfying(ProtocolException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.TRUNCATED));
        }
        assertThat(read).containsExactly(new Capsule.Unknown(0x21, 5));
    }

    @Test
    void finBetweenCapsulesIsClean() {
        feed(0x40, 0x40, 0x01, 'x');
        decoder.finish();
        assertThat(read).containsExactly(new Capsule.Unknown(0x40, 1));
    }
}
