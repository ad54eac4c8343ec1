package dev.treecast.gateway.webtransport.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.treecast.gateway.webtransport.Capsule;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Writes the seed corpora of this package's fuzz tests under {@code src/test/resources}: capsules from the real
 * encoder and by hand (GREASE, limits, bytes after a close, broken UTF-8), stream prefixes of every kind. Run on
 * purpose only: {@code mvn -pl player-gateway test -Dtest=SeedCorpus -Dtreecast.fuzz.writeSeeds=true}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "treecast.fuzz.writeSeeds", matches = "true")
class SeedCorpus {
    private static final Path RESOURCES = Path.of("src", "test", "resources", "dev", "treecast", "gateway",
            "webtransport", "fuzz");

    @Test
    void write() throws IOException {
        byte[] close = encode(new Capsule.CloseSession(5, "rank refused: é"));
        Path capsules = RESOURCES.resolve("CapsuleDecoderFuzzTestInputs").resolve("decode");
        write(capsules, "close", cat(u8(0), close));
        write(capsules, "close-empty-reason", cat(u8(0), encode(new Capsule.CloseSession(0xFFFF_FFFFL, ""))));
        write(capsules, "close-split", cat(u8(4, 1, 2, 3, 4), close));
        write(capsules, "grease-then-close", cat(u8(0, 0x40, 0x29, 0x03, 7, 7, 7), close));
        write(capsules, "grease-split", cat(u8(3, 1, 2, 1, 0x40, 0x29, 0x05, 1, 2, 3, 4, 5), close));
        write(capsules, "huge-unknown-truncated", u8(0, 0x00, 0x80, 0x40, 0x00, 0x00, 1, 2, 3));
        write(capsules, "close-too-large", u8(0, 0x68, 0x43, 0x44, 0x05, 0, 0, 0, 0));
        write(capsules, "close-too-small", u8(0, 0x68, 0x43, 0x03, 0, 0, 0));
        write(capsules, "bytes-after-close", cat(u8(0), close, u8(0x21)));
        write(capsules, "bad-utf8-reason", u8(0, 0x68, 0x43, 0x06, 0, 0, 0, 1, 0xc3, 0x28));
        write(capsules, "non-minimal-type", u8(0, 0x80, 0x00, 0x28, 0x43, 0x40, 0x04, 0, 0, 0, 9));

        Path bidi = RESOURCES.resolve("StreamPrefixFuzzTestInputs").resolve("sniffBidirectional");
        write(bidi, "webtransport", u8(0x41, 0x00, 0x01, 0x02));
        write(bidi, "webtransport-large-session", u8(0x41, 0x80, 0x01, 0x00, 0x04, 0x07));
        write(bidi, "non-minimal-signal", u8(0x40, 0x41, 0x40, 0x04));
        write(bidi, "http3-headers", u8(0x01, 0x05, 0x00, 0x00, 0xd1, 0xd7, 0x51));
        write(bidi, "truncated", u8(0x41, 0xc0, 0x00));

        Path uni = RESOURCES.resolve("StreamPrefixFuzzTestInputs").resolve("sniffUnidirectional");
        write(uni, "webtransport", u8(0x54, 0x00, 0x01, 0x07, 0x2a, 0x03));
        write(uni, "non-minimal-type", u8(0x40, 0x54, 0x80, 0x00, 0x00, 0x04));
        write(uni, "http3-control", u8(0x00, 0x04, 0x00));
        write(uni, "qpack-encoder", u8(0x02));
        write(uni, "truncated", u8(0x54, 0xc0));
    }

    private static byte[] encode(Capsule.CloseSession close) {
        ByteBuf out = Unpooled.buffer();
        close.encode(out);
        return ByteBufUtil.getBytes(out);
    }

    private static void write(Path dir, String name, byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), bytes);
    }

    private static byte[] u8(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
