package dev.treecast.transport.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.GroupStreamDecoder;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.GroupReceiver;
import dev.treecast.transport.GroupRouter;
import dev.treecast.transport.GroupStreamReader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;

/**
 * The handler on every incoming group stream ({@link GroupStreamReader}) against any bytes a parent can send, in
 * QUIC frames cut anywhere, the last one with FIN, then the stream closing. Netty's {@code EmbeddedChannel} is no
 * {@link QuicStreamChannel}, which the reader needs, so the handler is driven directly with a stand-in context and
 * stream (the reader uses nothing else of them). For every input: each frame is released; a group whose header
 * the router takes gets exactly the objects the decoder reads from the bytes in one piece, then exactly one end:
 * {@code onEnd} at a clean FIN, {@code onAbort} otherwise; a malformed stream reaches the router as one
 * {@link ProtocolException}; a refused group stops the stream and delivers nothing; nothing is left unreleased.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GroupStreamReaderFuzzTest {
    private static final int MAX_PAYLOAD = 1 << 16;

    /** What the router and its receiver saw. */
    private static final class Recorder implements GroupRouter, GroupReceiver {
        GroupHeader opened;
        boolean refused;
        final List<Long> sequences = new ArrayList<>();
        final List<ErrorCode> protocolErrors = new ArrayList<>();
        int ends;
        ErrorCode abort;

        @Override
        public GroupReceiver open(GroupHeader header, QuicStreamChannel stream) {
            assertThat(opened).isNull();
            opened = header;
            // The router refuses what it does not want (an unknown subscription): here, odd priorities.
            refused = (header.priority() & 1) == 1;
            return refused ? null : this;
        }

        @Override
        public void onProtocolError(ProtocolException error) {
            protocolErrors.add(error.code());
        }

        @Override
        public void onObject(ObjectFrame object) {
            try {
                assertThat(ends).as("no object after the end").isZero();
                assertThat(abort).as("no object after an abort").isNull();
                sequences.add(object.sequence());
            } finally {
                object.release();
            }
        }

        @Override
        public void onEnd() {
            ends++;
        }

        @Override
        public void onAbort(ErrorCode code, String reason) {
            assertThat(abort).as("one abort").isNull();
            abort = code;
        }
    }

    @FuzzTest
    void read(byte[] input) {
        Chunks chunks = Chunks.of(input);
        FuzzAllocator alloc = new FuzzAllocator();
        Recorder recorder = new Recorder();
        List<Integer> shutdowns = new ArrayList<>();
        QuicStreamChannel stream = proxy(QuicStreamChannel.class, (name, args) -> {
            if (name.equals("shutdownInput")) {
                shutdowns.add((Integer) args[0]);
            }
            return null;
        });
        ChannelHandlerContext ctx = proxy(ChannelHandlerContext.class,
                (name, args) -> name.equals("channel") ? stream : null);

        GroupStreamReader reader = new GroupStreamReader(recorder, new GroupStreamDecoder(alloc, MAX_PAYLOAD));
        reader.handlerAdded(ctx);
        List<byte[]> parts = chunks.parts();
        for (int i = 0; i < parts.size(); i++) {
            QuicStreamFrame frame = new DefaultQuicStreamFrame(alloc.wrap(parts.get(i)), i == parts.size() - 1);
            reader.channelRead(ctx, frame);
            assertThat(frame.refCnt()).as("every frame is released").isZero();
        }
        reader.channelInactive(ctx);

        Expected expected = Expected.of(alloc, chunks.stream());
        assertThat(recorder.opened).isEqualTo(expected.header);
        if (recorder.refused) {
            assertThat(shutdowns).containsExactly(ErrorCode.CANCELLED.code());
            assertThat(recorder.sequences).isEmpty();
        } else {
            assertThat(shutdowns).isEmpty();
            // FIN inside the header or an object (TRUNCATED) is the peer's error like any other.
            assertThat(recorder.protocolErrors).containsExactlyElementsOf(
                    expected.error == null ? List.of() : List.of(expected.error));
            if (recorder.opened != null) {
                assertThat(recorder.sequences).isEqualTo(expected.sequences);
                assertThat(recorder.ends + (recorder.abort == null ? 0 : 1)).as("exactly one end").isEqualTo(1);
                assertThat(recorder.ends == 1).as("a clean end").isEqualTo(expected.error == null);
            }
        }
        alloc.assertAllReleased();
    }

    /** What {@link GroupStreamDecoder} makes of the whole stream in one piece, then FIN. */
    private record Expected(GroupHeader header, List<Long> sequences, ErrorCode error) {
        static Expected of(FuzzAllocator alloc, byte[] stream) {
            GroupStreamDecoder decoder = new GroupStreamDecoder(alloc, MAX_PAYLOAD);
            List<Long> sequences = new ArrayList<>();
            GroupHeader[] header = new GroupHeader[1];
            GroupStreamDecoder.Sink sink = new GroupStreamDecoder.Sink() {
                @Override
                public void onHeader(GroupHeader h) {
                    header[0] = h;
                }

                @Override
                public void onObject(ObjectFrame object) {
                    sequences.add(object.sequence());
                    object.release();
                }
            };
            ByteBuf in = alloc.wrap(stream);
            try {
                decoder.decode(in, sink);
                decoder.finish();
                return new Expected(header[0], sequences, null);
            } catch (ProtocolException e) {
                return new Expected(header[0], sequences, e.code());
            } finally {
                in.release();
                decoder.release();
            }
        }
    }

    private interface Calls {
        Object call(String method, Object[] args);
    }

    private static <T> T proxy(Class<T> type, Calls calls) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    case "toString" -> type.getSimpleName() + " stand-in";
                    default -> calls.call(method.getName(), args);
                }));
    }
}
