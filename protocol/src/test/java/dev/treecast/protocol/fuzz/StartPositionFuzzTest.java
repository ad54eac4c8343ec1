package dev.treecast.protocol.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.control.StartPosition;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The start position of a SUBSCRIBE against any bytes: {@link StartPosition#decode} gives {@code LATEST} or a
 * group/object position, or MALFORMED_MESSAGE (an unknown kind, a truncated varint), never the
 * {@code IllegalArgumentException} of the record's range check; what it decoded re-encodes to
 * {@code encodedLength} bytes and decodes back equal.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StartPositionFuzzTest {

    @FuzzTest
    void decode(byte[] input) {
        ByteBuf in = Unpooled.wrappedBuffer(input);
        StartPosition start;
        try {
            start = StartPosition.decode(in);
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
            return;
        }
        assertThat(start).isNotNull();
        assertThat(StartPosition.encodedLength(start)).isLessThanOrEqualTo(in.readerIndex());
        ByteBuf out = Unpooled.buffer();
        StartPosition.encode(out, start);
        assertThat(out.readableBytes()).isEqualTo(StartPosition.encodedLength(start));
        assertThat(StartPosition.decode(out)).isEqualTo(start);
        assertThat(out.isReadable()).isFalse();
    }
}
