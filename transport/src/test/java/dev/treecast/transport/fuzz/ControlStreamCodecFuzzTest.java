package dev.treecast.transport.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.transport.ControlStreamCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;

/**
 * The Netty handler that reads every control stream ({@link ControlStreamCodec}), in an {@link EmbeddedChannel},
 * against any bytes split anywhere: it emits the messages {@link ControlCodec} decodes from the same bytes in one
 * piece, and stops with the same error, which reaches the pipeline only as a {@link DecoderException} around a
 * {@link ProtocolException} (and once more when the stream closes, as the failed bytes are still buffered); every
 * message it emits goes back out through the same codec and in again equal; the cumulation and every buffer are
 * released when the stream closes.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ControlStreamCodecFuzzTest {

    private record Outcome(List<ControlMessage> messages, ErrorCode error) {
    }

    @FuzzTest
    void decode(byte[] input) {
        Chunks chunks = Chunks.of(input);
        FuzzAllocator alloc = new FuzzAllocator();
        Outcome expected = decodeDirectly(chunks.stream());
        Outcome actual = decodeInChannel(alloc, chunks.parts());
        assertThat(actual).isEqualTo(expected);
        for (ControlMessage message : actual.messages()) {
            assertThat(throughChannels(alloc, message)).isEqualTo(message);
        }
        alloc.assertAllReleased();
    }

    private static Outcome decodeDirectly(byte[] stream) {
        List<ControlMessage> messages = new ArrayList<>();
        ByteBuf in = Unpooled.wrappedBuffer(stream);
        try {
            for (ControlMessage m; (m = ControlCodec.decode(in)) != null; ) {
                messages.add(m);
            }
            return new Outcome(messages, null);
        } catch (ProtocolException e) {
            return new Outcome(messages, e.code());
        }
    }

    private static Outcome decodeInChannel(FuzzAllocator alloc, List<byte[]> parts) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new ControlStreamCodec());
        List<ControlMessage> messages = new ArrayList<>();
        ErrorCode error = null;
        try {
            for (byte[] part : parts) {
                try {
                    channel.writeInbound(alloc.wrap(part));
                } catch (DecoderException e) {
                    assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
                    error = ((ProtocolException) e.getCause()).code();
                }
                for (Object m; (m = channel.readInbound()) != null; ) {
                    messages.add((ControlMessage) m);
                }
                if (error != null) {
                    break;
                }
            }
        } finally {
            try {
                channel.finishAndReleaseAll();
            } catch (DecoderException e) {
                // Closing the stream decodes what is left once more: the bytes that failed fail again.
                assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
                assertThat(((ProtocolException) e.getCause()).code()).isEqualTo(error);
            }
        }
        return new Outcome(messages, error);
    }

    /** {@code message} written to one codec's outbound side and its bytes read by another codec. */
    private static ControlMessage throughChannels(FuzzAllocator alloc, ControlMessage message) {
        EmbeddedChannel out = new EmbeddedChannel(new ControlStreamCodec());
        out.config().setAllocator(alloc);
        EmbeddedChannel in = new EmbeddedChannel(new ControlStreamCodec());
        in.config().setAllocator(alloc);
        try {
            assertThat(out.writeOutbound(message)).isTrue();
            ByteBuf bytes = out.readOutbound();
            assertThat(bytes.readableBytes()).isEqualTo(ControlCodec.encodedLength(message));
            in.writeInbound(bytes);
            ControlMessage back = in.readInbound();
            assertThat((Object) in.readInbound()).isNull();
            return back;
        } finally {
            out.finishAndReleaseAll();
            in.finishAndReleaseAll();
        }
    }
}
