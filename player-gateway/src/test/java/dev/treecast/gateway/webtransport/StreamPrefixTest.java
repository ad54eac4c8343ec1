package dev.treecast.gateway.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

@ExtendWith(LeakCheck.class)
@Timeout(10)
class StreamPrefixTest {
    private static byte[] uni(long sessionId) {
        ByteBuf out = Unpooled.buffer();
        StreamPrefix.writeUnidirectional(out, sessionId);
        assertThat(out.readableBytes()).isEqualTo(StreamPrefix.unidirectionalLength(sessionId));
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }

    private static StreamPrefix.Sniff sniff(int... bytes) {
        ByteBuf in = Unpooled.buffer();
        for (int b : bytes) {
            in.writeByte(b);
        }
        StreamPrefix.Sniff sniff = StreamPrefix.sniffBidirectional(in);
        assertThat(in.readerIndex()).as("sniffing consumes nothing").isZero();
        in.release();
        return sniff;
    }

    @Test
    void aUnidirectionalPrefixIsStreamType0x54ThenTheSessionIdAsVarints() {
        assertThat(uni(0)).isEqualTo(new byte[] {0x40, 0x54, 0x00});
        assertThat(uni(4)).isEqualTo(new byte[] {0x40, 0x54, 0x04});
        assertThat(uni(100)).isEqualTo(new byte[] {0x40, 0x54, 0x40, 0x64});
        assertThat(uni(1L << 20)).isEqualTo(new byte[] {0x40, 0x54, (byte) 0x80, 0x10, 0x00, 0x00});
    }

    @Test
    void aBidirectionalPrefixIsSignal0x41ThenTheSessionId() {
        ByteBuf out = Unpooled.buffer();
        StreamPrefix.writeBidirectional(out, 8);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(new byte[] {0x40, 0x41, 0x08});
        assertThat(StreamPrefix.bidirectionalLength(8)).isEqualTo(3);
        out.release();
    }

    @Test
    void sniffingFindsTheSessionAndThePrefixLength() {
        assertThat(sniff(0x40, 0x41, 0x00, 0x01, 0x02)).isEqualTo(new StreamPrefix.WebTransport(0, 3));
        assertThat(sniff(0x40, 0x41, 0x40, 0x64)).isEqualTo(new StreamPrefix.WebTransport(100, 4));
        // Non-minimal encodings of the signal (RFC 9000 §16 allows them) count too.
        assertThat(sniff(0x80, 0x00, 0x00, 0x41, 0x04)).isEqualTo(new StreamPrefix.WebTransport(4, 5));
    }

    @Test
    void anHttp3RequestStreamIsLeftToHttp3() {
        // HEADERS frame (type 0x01) then its length.
        assertThat(sniff(0x01, 0x10)).isEqualTo(StreamPrefix.HTTP3);
        // DATA frame (type 0x00).
        assertThat(sniff(0x00)).isEqualTo(StreamPrefix.HTTP3);
        // A two-byte varint that is not 0x41 (a GREASE frame type, say).
        assertThat(sniff(0x40, 0x21)).isEqualTo(StreamPrefix.HTTP3);
    }

    @Test
    void aPartialPrefixNeedsMoreBytes() {
        assertThat(sniff()).isEqualTo(StreamPrefix.NEED_MORE);
        assertThat(sniff(0x40)).isEqualTo(StreamPrefix.NEED_MORE);
        assertThat(sniff(0x40, 0x41)).isEqualTo(StreamPrefix.NEED_MORE);
        assertThat(sniff(0x40, 0x41, 0x40)).isEqualTo(StreamPrefix.NEED_MORE);
        assertThat(sniff(0x80, 0x00, 0x00)).isEqualTo(StreamPrefix.NEED_MORE);
    }
}
