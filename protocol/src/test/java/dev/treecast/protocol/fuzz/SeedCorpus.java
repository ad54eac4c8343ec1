package dev.treecast.protocol.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.Announce;
import dev.treecast.protocol.control.Backups;
import dev.treecast.protocol.control.Candidate;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.GoAway;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.Join;
import dev.treecast.protocol.control.Move;
import dev.treecast.protocol.control.Placement;
import dev.treecast.protocol.control.RelayDescription;
import dev.treecast.protocol.control.Repaired;
import dev.treecast.protocol.control.Report;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.SetupOk;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.protocol.control.SubscribeError;
import dev.treecast.protocol.control.SubscribeOk;
import dev.treecast.protocol.control.Unsubscribe;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Writes the seed corpora of this package's fuzz tests under {@code src/test/resources}, from the real encoders
 * (one valid encoding of every message type, whole sessions, whole groups) plus hand-made edge cases (unknown
 * types, limits, non-minimal varints, truncation). Run on purpose only:
 * {@code mvn -pl protocol test -Dtest=SeedCorpus -Dtreecast.fuzz.writeSeeds=true}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "treecast.fuzz.writeSeeds", matches = "true")
class SeedCorpus {
    private static final Path RESOURCES = Path.of("src", "test", "resources", "dev", "treecast", "protocol", "fuzz");
    private static final String HASH = "0123456789abcdef".repeat(4);

    @Test
    void write() throws IOException {
        RelayDescription relay = new RelayDescription("relay-b", "10.0.0.2:4433", "eu-west", 8,
                "https://10.0.0.2:4443/watch/", HASH);
        List<Candidate> backups = List.of(new Candidate("relay-c", "10.0.0.3:4433", 2),
                new Candidate("ingest", "10.0.0.1:4433", 0));
        List<ControlMessage> messages = List.of(
                new Setup(1, Role.RELAY, "relay-b", 3),
                new SetupOk(1, "relay-a"),
                new Subscribe(7, new TrackName("live", "video"), StartPosition.LATEST, 1),
                new Subscribe(8, new TrackName("live", "audio"), new StartPosition.At(41, 3), 0),
                new SubscribeOk(7, OptionalLong.of(42)),
                new SubscribeOk(8, OptionalLong.empty()),
                new SubscribeError(9, ErrorCode.NOT_FOUND, "no such track"),
                new Unsubscribe(7),
                new Announce("live", true),
                new Heartbeat(12, 3, 1500),
                new Backups(backups),
                new Move("relay-c", "10.0.0.3:4433"),
                new GoAway(""),
                new ErrorMessage(ErrorCode.RANK_REFUSED, "rank 3 is not above 5"),
                new Join(relay),
                new Placement("relay-a", "10.0.0.1:4433", 4, backups),
                new Report(relay, 4, "relay-a", 250, 1_048_576, 3_145_728),
                new Repaired("relay-a", "relay-c", 180_000));

        Path control = RESOURCES.resolve("ControlCodecFuzzTestInputs").resolve("decode");
        for (ControlMessage m : messages) {
            write(control, m.type().name().toLowerCase() + "-" + messages.indexOf(m), cat(u8(0), encode(m)));
        }
        byte[] session = cat(encode(messages.get(0)), encode(messages.get(2)), encode(messages.get(9)),
                encode(messages.get(7)));
        write(control, "session", cat(u8(0), session));
        write(control, "session-split", cat(u8(5, 1, 2, 3, 7, 11), session));
        write(control, "unknown-type", u8(0, 0x3f, 0x00));
        write(control, "oversize-length", u8(0, 0x01, 0x44, 0x01));
        write(control, "trailing-bytes", u8(0, 0x06, 0x02, 0x01, 0x00));
        write(control, "non-minimal-varints", u8(0, 0x40, 0x06, 0x80, 0, 0, 8, 0xc0, 0, 0, 0, 0, 0, 0, 7));
        write(control, "bad-utf8", u8(0, 0x13, 0x03, 0x02, 0xc3, 0x28));
        write(control, "bad-role", u8(0, 0x01, 0x04, 0x01, 0x02, 0x00, 0x00));

        GroupHeader header = new GroupHeader(7, 42, 3);
        byte[] group = cat(encode(header), object(0, 1_700_000_000_000_000L, 0, 5),
                object(1, 1_700_000_000_033_000L, 64, 300), object(5, 1_700_000_000_066_000L, 128, 0));
        Path groups = RESOURCES.resolve("GroupStreamDecoderFuzzTestInputs").resolve("decode");
        write(groups, "group", cat(u8(0), group));
        write(groups, "group-split", cat(u8(7, 1, 1, 2, 3, 5, 8, 13), group));
        write(groups, "header-only", cat(u8(0), encode(header)));
        write(groups, "non-minimal-header", u8(0, 0x40, 0x01, 0x80, 0, 0, 7, 0xc0, 0, 0, 0, 0, 0, 0, 42, 0x40, 3));
        write(groups, "unknown-stream-type", u8(0, 0x02, 0x07, 0x2a, 0x03));
        write(groups, "priority-too-high", u8(0, 0x01, 0x07, 0x2a, 0x41, 0x00));
        write(groups, "sequence-out-of-order", cat(u8(0), encode(header), object(2, 0, 0, 1), object(1, 0, 0, 1)));
        write(groups, "payload-too-large", cat(u8(0), encode(header), u8(0, 0, 0, 0x80, 0x01, 0x00, 0x00)));
        write(groups, "signature-too-large", cat(u8(0), encode(header), u8(0, 0, 0x40, 0x81, 0)));
        byte[] truncated = object(0, 0, 0, 40);
        write(groups, "truncated-object", cat(u8(0), encode(header), Arrays.copyOf(truncated, 20)));

        Path frames = RESOURCES.resolve("ObjectFrameFuzzTestInputs").resolve("wrap");
        write(frames, "empty-payload", object(0, 0, 0, 0));
        write(frames, "signed", object(3, 1_700_000_000_000_000L, 64, 32));
        write(frames, "non-minimal", u8(0x40, 0x03, 0x80, 0, 0, 1, 0x40, 0x01, 0xc0, 0, 0, 0, 0, 0, 0, 1, 7, 9));
        write(frames, "trailing-byte", cat(object(1, 1, 0, 2), u8(0)));

        Path varints = RESOURCES.resolve("VarintFuzzTestInputs").resolve("read");
        write(varints, "every-length", u8(0x3e, 0x00, 0x3f, 0x40, 0x40, 0x7f, 0xff, 0x80, 0, 0x40, 0, 0xbf, 0xff, 0xff,
                0xff, 0xc0, 0, 0, 0, 0x40, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
        write(varints, "truncated", u8(0x05, 0x25, 0xc0, 0x00, 0x00));

        Path starts = RESOURCES.resolve("StartPositionFuzzTestInputs").resolve("decode");
        write(starts, "latest", u8(0));
        write(starts, "at", u8(1, 0x40, 0x29, 3));
        write(starts, "at-max", u8(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff));
        write(starts, "unknown-kind", u8(2, 0, 0));
        write(starts, "truncated", u8(1, 0x05));
    }

    private static byte[] encode(ControlMessage message) {
        ByteBuf out = Unpooled.buffer();
        ControlCodec.encode(message, out);
        return ByteBufUtil.getBytes(out);
    }

    private static byte[] encode(GroupHeader header) {
        ByteBuf out = Unpooled.buffer();
        header.encode(out);
        return ByteBufUtil.getBytes(out);
    }

    private static byte[] object(long sequence, long timestamp, int signatureLength, int payloadLength) {
        byte[] signature = new byte[signatureLength];
        byte[] payload = new byte[payloadLength];
        for (int i = 0; i < payloadLength; i++) {
            payload[i] = (byte) (i * 31 + 7);
        }
        ObjectFrame frame = ObjectFrame.encode(UnpooledByteBufAllocator.DEFAULT, sequence, timestamp,
                signatureLength == 0 ? null : Unpooled.wrappedBuffer(signature), Unpooled.wrappedBuffer(payload));
        try {
            return ByteBufUtil.getBytes(frame.wire());
        } finally {
            frame.release();
        }
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
