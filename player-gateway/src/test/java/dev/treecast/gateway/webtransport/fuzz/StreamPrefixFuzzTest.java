package dev.treecast.gateway.webtransport.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The first bytes of a WebTransport stream (draft-ietf-webtrans-http3-02 §4.1, §4.2) against any bytes: the
 * server's {@link StreamPrefix#sniffBidirectional} for streams a viewer opens and the client's
 * {@code ClientWire.sniffUnidirectional} for streams the gateway opens. Both are called again on a growing buffer
 * as bytes arrive ({@code BidiStreamSniffer}, {@code UniStreamSniffer}), so for every input: they consume nothing,
 * answer "need more" only while the prefix is incomplete, and once they answer otherwise every longer input gives
 * the same answer; a WebTransport prefix lies within the bytes and the 16-byte maximum, and the prefix written for
 * its session id sniffs back to that session id.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StreamPrefixFuzzTest {
    /** {@code ClientWire} is package-private in the client package; its sniffer is reached as a test would. */
    private static final MethodHandle SNIFF_UNIDIRECTIONAL;

    static {
        try {
            Class<?> wire = Class.forName("dev.treecast.gateway.client.ClientWire");
            SNIFF_UNIDIRECTIONAL = MethodHandles.privateLookupIn(wire, MethodHandles.lookup()).findStatic(wire,
                    "sniffUnidirectional", MethodType.methodType(StreamPrefix.Sniff.class, ByteBuf.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest
    void sniffBidirectional(byte[] input) {
        check(input, StreamPrefix.BIDIRECTIONAL_SIGNAL, StreamPrefix::sniffBidirectional, id -> {
            ByteBuf out = Unpooled.buffer();
            StreamPrefix.writeBidirectional(out, id);
            assertThat(out.readableBytes()).isEqualTo(StreamPrefix.bidirectionalLength(id));
            return out;
        });
    }

    @FuzzTest
    void sniffUnidirectional(byte[] input) {
        check(input, StreamPrefix.UNIDIRECTIONAL_TYPE, StreamPrefixFuzzTest::sniffUnidirectional, id -> {
            ByteBuf out = Unpooled.buffer();
            StreamPrefix.writeUnidirectional(out, id);
            assertThat(out.readableBytes()).isEqualTo(StreamPrefix.unidirectionalLength(id));
            return out;
        });
    }

    private static StreamPrefix.Sniff sniffUnidirectional(ByteBuf in) {
        try {
            return (StreamPrefix.Sniff) SNIFF_UNIDIRECTIONAL.invokeExact(in);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static void check(byte[] input, long signal, Function<ByteBuf, StreamPrefix.Sniff> sniff,
                              Function<Long, ByteBuf> writer) {
        // A few bytes of an earlier read in front, so that the reader index is not 0.
        ByteBuf in = Unpooled.buffer(input.length + 3).writeBytes(new byte[] {1, 2, 3}).skipBytes(3);
        StreamPrefix.Sniff settled = null;
        for (int i = 0; i <= input.length; i++) {
            if (i > 0) {
                in.writeByte(input[i - 1]);
            }
            StreamPrefix.Sniff s = sniff.apply(in);
            assertThat(in.readerIndex()).as("sniffing consumes nothing").isEqualTo(3);
            assertThat(in.writerIndex()).isEqualTo(3 + i);
            if (settled != null) {
                assertThat(s).as("more bytes never change a settled answer").isEqualTo(settled);
                continue;
            }
            switch (s) {
                case StreamPrefix.NeedMore n -> assertThat(i).isLessThan(StreamPrefix.MAX_LENGTH);
                case StreamPrefix.Http3 h -> {
                    assertThat(Varint.isComplete(in, 3)).isTrue();
                    assertThat(Varint.get(in, 3)).isNotEqualTo(signal);
                    settled = s;
                }
                case StreamPrefix.WebTransport wt -> {
                    assertThat(wt.length()).isBetween(2, Math.min(i, StreamPrefix.MAX_LENGTH));
                    assertThat(wt.sessionId()).isBetween(0L, Varint.MAX);
                    assertThat(Varint.get(in, 3)).isEqualTo(signal);
                    settled = s;
                    ByteBuf minimal = writer.apply(wt.sessionId());
                    StreamPrefix.Sniff again = sniff.apply(minimal);
                    int length = minimal.readableBytes();
                    assertThat(again).isEqualTo(new StreamPrefix.WebTransport(wt.sessionId(), length));
                    assertThat(length).isLessThanOrEqualTo(wt.length());
                }
            }
        }
    }

}
