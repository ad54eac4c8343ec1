package dev.treecast.gateway.webtransport.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.gateway.LeakCheck;
import dev.treecast.gateway.webtransport.Capsule;
import dev.treecast.gateway.webtransport.CapsuleDecoder;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The capsules (RFC 9297 §3.2) a viewer sends on its CONNECT stream, against any bytes split across DATA frames
 * anywhere. For every input: the {@link CapsuleDecoder} reports capsules or throws a {@link ProtocolException}, and
 * so does FIN ({@link CapsuleDecoder#finish}); without an error it consumes every byte it is given; each piece in
 * its own buffer, released right after {@code decode} (as {@code ConnectStreamHandler} releases each DATA frame),
 * gives the same capsules and the same error as one piece; a CLOSE_WEBTRANSPORT_SESSION re-encodes and decodes
 * back equal.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(LeakCheck.class)
class CapsuleDecoderFuzzTest {

    private record Outcome(List<Capsule> capsules, ErrorCode error) {
    }

    @FuzzTest
    void decode(byte[] input) {
        Chunks chunks = Chunks.of(input);
        Outcome whole = decode(List.of(chunks.stream()));
        Outcome split = decode(chunks.parts());
        assertThat(split).isEqualTo(whole);
        for (Capsule capsule : whole.capsules()) {
            if (capsule instanceof Capsule.CloseSession close) {
                assertRoundTrip(close);
            } else {
                assertThat(capsule.type()).isNotEqualTo(Capsule.CLOSE_WEBTRANSPORT_SESSION);
            }
        }
    }

    private static Outcome decode(List<byte[]> parts) {
        CapsuleDecoder decoder = new CapsuleDecoder();
        List<Capsule> capsules = new ArrayList<>();
        try {
            for (byte[] part : parts) {
                ByteBuf in = Unpooled.directBuffer(part.length).writeBytes(part);
                try {
                    decoder.decode(in, capsules::add);
                    assertThat(in.isReadable()).as("decode consumes all it is given").isFalse();
                } finally {
                    in.release();
                }
            }
            decoder.finish();
            return new Outcome(capsules, null);
        } catch (ProtocolException e) {
            assertThat(e.code()).isNotNull();
            return new Outcome(capsules, e.code());
        } finally {
            decoder.release();
        }
    }

    private static void assertRoundTrip(Capsule.CloseSession close) {
        ByteBuf out = Unpooled.buffer();
        try {
            close.encode(out);
            assertThat(out.readableBytes()).isEqualTo(close.encodedLength());
            List<Capsule> again = new ArrayList<>();
            CapsuleDecoder decoder = new CapsuleDecoder();
            try {
                decoder.decode(out, again::add);
                decoder.finish();
            } finally {
                decoder.release();
            }
            assertThat(again).containsExactly(close);
        } finally {
            out.release();
        }
    }
}
