package dev.treecast.protocol.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * {@link ObjectFrame#wrap} against any bytes: a frame whose fields lie inside the buffer and add up to it
 * exactly, or a {@link ProtocolException} with the buffer released; never another exception or a leak. A wrapped
 * frame re-encodes (minimal varints) to a frame with the same fields.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class ObjectFrameFuzzTest {

    @FuzzTest
    void wrap(byte[] input) {
        FuzzAllocator alloc = new FuzzAllocator();
        ByteBuf wire = alloc.directBuffer(input.length).writeBytes(input);
        ObjectFrame frame;
        try {
            frame = ObjectFrame.wrap(wire);
        } catch (ProtocolException e) {
            assertThat(e.code()).isNotNull();
            assertThat(wire.refCnt()).as("a refused buffer is released").isZero();
            alloc.assertAllReleased();
            return;
        }
        try {
            assertThat(frame.sequence()).isBetween(0L, Varint.MAX);
            assertThat(frame.timestampMicros()).isBetween(0L, Varint.MAX);
            assertThat(frame.wireLength()).isEqualTo(input.length);
            int sig = frame.signature().readableBytes();
            assertThat(sig).isLessThanOrEqualTo(ObjectFrame.MAX_SIGNATURE);
            assertThat(frame.payloadLength()).isEqualTo(frame.payload().readableBytes());
            int header = ObjectFrame.headerLength(frame.sequence(), frame.timestampMicros(), sig,
                    frame.payloadLength());
            assertThat(header + sig + frame.payloadLength()).as("minimal re-encoding is never longer")
                    .isLessThanOrEqualTo(input.length);

            ObjectFrame again = ObjectFrame.encode(alloc, frame.sequence(), frame.timestampMicros(),
                    sig == 0 ? null : frame.signature(), frame.payload());
            try {
                assertThat(again.wireLength()).isEqualTo(header + sig + frame.payloadLength());
                ObjectFrame rewrapped = ObjectFrame.wrap(again.wire().retainedDuplicate());
                try {
                    assertThat(rewrapped.sequence()).isEqualTo(frame.sequence());
                    assertThat(rewrapped.timestampMicros()).isEqualTo(frame.timestampMicros());
                    assertThat(ByteBufUtil.equals(rewrapped.signature(), frame.signature())).isTrue();
                    assertThat(ByteBufUtil.equals(rewrapped.payload(), frame.payload())).isTrue();
                } finally {
                    rewrapped.release();
                }
            } finally {
                again.release();
            }
        } finally {
            frame.release();
        }
        alloc.assertAllReleased();
    }
}
