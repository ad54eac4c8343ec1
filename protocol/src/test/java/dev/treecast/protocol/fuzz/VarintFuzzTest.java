package dev.treecast.protocol.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * {@link Varint} (RFC 9000 §16) against any bytes: reading a run of varints gives values in {@code [0, 2^62-1]},
 * agrees with {@code isComplete}/{@code lengthAt}/{@code get}, or fails with MALFORMED_MESSAGE at a truncated
 * one; a bounded read refuses exactly the values above its bound; every value read re-encodes in its shortest
 * form, never longer than it came, and reads back equal.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class VarintFuzzTest {

    @FuzzTest
    void read(byte[] input) {
        // The first byte picks a bound for the bounded read: 2^(b & 63) - 1, so every length class gets one.
        long max = input.length == 0 ? 0 : (1L << (input[0] & 0x3F)) - 1;
        ByteBuf in = Unpooled.wrappedBuffer(input);
        ByteBuf out = Unpooled.buffer(8, 8);
        while (in.isReadable()) {
            int index = in.readerIndex();
            boolean complete = Varint.isComplete(in, index);
            long value;
            try {
                value = Varint.read(in, "fuzz");
            } catch (ProtocolException e) {
                assertThat(complete).as("only a truncated varint fails").isFalse();
                assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
                assertThat(in.readerIndex()).as("a failed read consumes nothing").isEqualTo(index);
                return;
            }
            assertThat(complete).isTrue();
            int length = Varint.lengthAt(in, index);
            assertThat(in.readerIndex() - index).isEqualTo(length);
            assertThat(value).isBetween(0L, Varint.MAX).isEqualTo(Varint.get(in, index));
            assertThat(Varint.encodedLength(value)).isLessThanOrEqualTo(length);

            out.clear();
            Varint.write(out, value);
            assertThat(out.readableBytes()).isEqualTo(Varint.encodedLength(value));
            assertThat(Varint.read(out, "again")).isEqualTo(value);

            in.readerIndex(index);
            try {
                assertThat(Varint.read(in, "bounded", max)).isEqualTo(value).isLessThanOrEqualTo(max);
            } catch (ProtocolException e) {
                assertThat(value).isGreaterThan(max);
                assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
                in.readerIndex(index + length);
            }
        }
    }
}
