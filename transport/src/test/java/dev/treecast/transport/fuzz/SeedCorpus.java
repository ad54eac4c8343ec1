package dev.treecast.transport.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.SetupOk;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.protocol.control.SubscribeOk;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Writes the seed corpora of this package's fuzz tests under {@code src/test/resources}, from the real encoders
 * plus edge cases. Run on purpose only:
 * {@code mvn -pl transport test -Dtest=SeedCorpus -Dtreecast.fuzz.writeSeeds=true}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "treecast.fuzz.writeSeeds", matches = "true")
class SeedCorpus {
    private static final Path RESOURCES = Path.of("src", "test", "resources", "dev", "treecast", "transport", "fuzz");

    @Test
    void write() throws IOException {
        byte[] session = cat(encode(new Setup(1, Role.VIEWER, "viewer-1")), encode(new SetupOk(1, "relay-a")),
                encode(new Subscribe(1, new TrackName("live", "video"), StartPosition.LATEST, 1)),
                encode(new SubscribeOk(1, OptionalLong.of(7))), encode(new Heartbeat(1, 0, 1)));
        Path control = RESOURCES.resolve("ControlStreamCodecFuzzTestInputs").resolve("decode");
        write(control, "session", cat(u8(0), session));
        write(control, "session-split", cat(u8(6, 1, 3, 9, 2, 40, 0), session));
        write(control, "error-then-garbage", cat(u8(0), encode(new ErrorMessage(ErrorCode.GOING_AWAY, "bye")),
                u8(0x3f, 0x00)));
        write(control, "oversize", u8(0, 0x11, 0x60, 0x01));

        byte[] group = cat(encode(new GroupHeader(3, 42, 2)), object(0, 10, 0, 5), object(1, 20, 64, 40),
                object(2, 30, 0, 0));
        Path groups = RESOURCES.resolve("GroupStreamReaderFuzzTestInputs").resolve("read");
        write(groups, "group", cat(u8(0), group));
        write(groups, "group-split", cat(u8(5, 2, 1, 4, 20, 7), group));
        write(groups, "refused", cat(u8(2, 3, 2), encode(new GroupHeader(5, 1, 1)), object(0, 0, 0, 3)));
        write(groups, "fin-inside-object", cat(u8(1, 4), Arrays.copyOf(group, group.length - 9)));
        write(groups, "empty-group", cat(u8(0), encode(new GroupHeader(0, 0, 0))));
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
        ObjectFrame frame = ObjectFrame.encode(UnpooledByteBufAllocator.DEFAULT, sequence, timestamp,
                signatureLength == 0 ? null : Unpooled.wrappedBuffer(new byte[signatureLength]),
                Unpooled.wrappedBuffer(new byte[payloadLength]));
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
