package dev.treecast.protocol.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import io.netty.buffer.ByteBuf;

/**
 * The control stream decoder against any bytes a peer can send. For every input: {@link ControlCodec#decode}
 * returns messages, waits for more, or throws a {@link ProtocolException} with a code, never anything else; the
 * bytes split anywhere (as QUIC delivers them, into a cumulation buffer as {@code ControlStreamCodec} keeps it)
 * decode to the same messages and the same error as in one piece; every decoded message re-encodes within its
 * type's limit and decodes back equal; no buffer is left unreleased.
 *
 * <p>In a normal build this runs the seed corpus under {@code ControlCodecFuzzTestInputs/}; see README "Fuzzing".
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class ControlCodecFuzzTest {

    /** What decoding a whole stream produced: the messages in order, then the error that stopped it, if any. */
    private record Outcome(List<ControlMessage> messages, ErrorCode error) {
    }

    @FuzzTest
    void decode(byte[] input) {
        Chunks chunks = Chunks.of(input);
        FuzzAllocator alloc = new FuzzAllocator();
        Outcome whole = decode(alloc, List.of(chunks.stream()));
        Outcome split = decode(alloc, chunks.parts());
        assertThat(split).isEqualTo(whole);
        for (ControlMessage message : whole.messages()) {
            assertRoundTrip(alloc, message);
        }
        alloc.assertAllReleased();
    }

    private static Outcome decode(FuzzAllocator alloc, List<byte[]> parts) {
        List<ControlMessage> messages = new ArrayList<>();
        ByteBuf cumulation = alloc.heapBuffer();
        try {
            for (byte[] part : parts) {
                cumulation.writeBytes(part);
                for (;;) {
                    int before = cumulation.readerIndex();
                    ControlMessage message = ControlCodec.decode(cumulation);
                    if (message == null) {
                        assertThat(cumulation.readerIndex()).as("null consumes nothing").isEqualTo(before);
                        break;
                    }
                    assertThat(cumulation.readerIndex()).as("a message consumes bytes").isGreaterThan(before);
                    messages.add(message);
                }
                cumulation.discardReadBytes();
            }
            return new Outcome(messages, null);
        } catch (ProtocolException e) {
            assertThat(e.code()).isNotNull();
            return new Outcome(messages, e.code());
        } finally {
            cumulation.release();
        }
    }

    private static void assertRoundTrip(FuzzAllocator alloc, ControlMessage message) {
        ByteBuf out = alloc.heapBuffer();
        try {
            ControlCodec.encode(message, out);
            assertThat(out.readableBytes()).isEqualTo(ControlCodec.encodedLength(message));
            assertThat(ControlCodec.decode(out)).isEqualTo(message);
            assertThat(out.isReadable()).isFalse();
        } finally {
            out.release();
        }
    }
}
