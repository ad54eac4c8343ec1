package dev.treecast.media.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the seed corpora of this package's fuzz tests under {@code src/test/resources}: the demo clip's real
 * init segment and its first fragments, with each video sample cut to 16 bytes (so a seed is a few KB and the
 * fuzzer's mutations land in boxes, not in H.264 data), plus hand-made edge cases. Run on purpose only:
 * {@code mvn -pl media test -Dtest=SeedCorpus -Dtreecast.fuzz.writeSeeds=true}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@EnabledIfSystemProperty(named = "treecast.fuzz.writeSeeds", matches = "true")
class SeedCorpus {
    private static final Path RESOURCES = Path.of("src", "test", "resources", "dev", "treecast", "media", "fuzz");
    private static final Path CLIP = Path.of("..", "ingest", "src", "main", "resources", "clips", "demo.mp4");
    private static final int MAX_SAMPLE = 16;

    @Test
    void write() throws IOException {
        byte[] clip = Files.readAllBytes(CLIP);
        ByteBuffer b = ByteBuffer.wrap(clip);
        int initLength = b.getInt(0) + b.getInt(b.getInt(0));
        byte[] init = Arrays.copyOfRange(clip, 0, initLength);
        byte[][] fragments = new byte[3][];
        int at = initLength;
        for (int i = 0; i < fragments.length; i++) {
            int moof = b.getInt(at);
            int mdat = b.getInt(at + moof);
            fragments[i] = shrink(Arrays.copyOfRange(clip, at, at + moof), Arrays.copyOfRange(clip, at + moof,
                    at + moof + mdat));
            at += moof + mdat;
        }
        byte[] upload = cat(init, fragments[0], fragments[1], fragments[2]);

        Path boxes = RESOURCES.resolve("BoxReaderFuzzTestInputs").resolve("feed");
        write(boxes, "init", cat(u8(0), init));
        write(boxes, "fragment", cat(u8(0), fragments[0]));
        write(boxes, "upload-split", cat(u8(3, 7, 200, 30), init, fragments[0]));
        write(boxes, "largesize-and-uuid", cat(u8(1, 20), u32(1), ascii("free"), u64(20), u8(1, 2, 3, 4),
                u32(24 + 3), ascii("uuid"), new byte[16], u8(9, 9, 9)));
        write(boxes, "size-zero", cat(u8(0), u32(0), ascii("mdat"), u8(1, 2, 3)));
        write(boxes, "truncated", cat(u8(2, 3, 5), u32(100), ascii("moof"), new byte[20]));

        Path demux = RESOURCES.resolve("CmafDemuxerFuzzTestInputs").resolve("demux");
        write(demux, "upload", cat(u8(0), upload));
        write(demux, "upload-split", cat(u8(4, 28, 100, 255, 17), upload));
        write(demux, "encoder-restart", cat(u8(0), init, fragments[0], init, fragments[1]));
        write(demux, "styp-and-free", cat(u8(0), init, u32(16), ascii("styp"), ascii("cmfs"), u32(0),
                fragments[0], u32(8), ascii("free")));

        Path split = RESOURCES.resolve("FragmentSplitterFuzzTestInputs").resolve("split");
        for (int i = 0; i < fragments.length; i++) {
            write(split, "fragment-" + i, fragments[i]);
        }
        // Audio (track 2) located by an absolute tfhd base_data_offset: the moof is at stream offset initLength.
        byte[] template = audioMoof(0);
        write(split, "base-data-offset", cat(audioMoof(initLength + template.length + 8), u32(8 + 24),
                ascii("mdat"), new byte[24]));
        // Durations from the tfhd default and sizes from the trex (0): runs that carry time but no bytes.
        byte[] timed = box("moof", fullBox("mfhd", 0, u32(2)), box("traf", fullBox("tfhd", 0x020008, u32(2),
                u32(1024)), fullBox("tfdt", 1 << 24, u64(2048)), fullBox("trun", 0, u32(10)),
                fullBox("trun", 0, u32(10))));
        write(split, "default-durations", cat(timed, u32(8), ascii("mdat")));
    }

    // A moof of track 2 whose tfhd has base_data_offset and default_sample_size 6, with one run of 4 samples.
    private static byte[] audioMoof(long baseDataOffset) {
        return box("moof", fullBox("mfhd", 0, u32(1)), box("traf", fullBox("tfhd", 0x000011, u32(2),
                u64(baseDataOffset), u32(6)), fullBox("tfdt", 1 << 24, u64(0)), fullBox("trun", 0, u32(4))));
    }

    private static byte[] box(String type, byte[]... payload) {
        byte[] body = cat(payload);
        return cat(u32(8 + body.length), ascii(type), body);
    }

    // versionAndFlags: the version in the top byte, the flags below it (ISO/IEC 14496-12 §4.2 FullBox).
    private static byte[] fullBox(String type, int versionAndFlags, byte[]... payload) {
        return box(type, u32(versionAndFlags), cat(payload));
    }

    /**
     * The same moof with every sample cut to at most {@value #MAX_SAMPLE} bytes and the mdat holding only those
     * bytes, trun data_offsets moved to match. Handles what ffmpeg writes for CMAF: default-base-is-moof, a
     * data_offset in every trun, sample sizes in the trun table or the tfhd default.
     */
    private static byte[] shrink(byte[] moof, byte[] mdat) {
        ByteBuffer m = ByteBuffer.wrap(moof);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int traf = 8; traf < moof.length; traf += m.getInt(traf)) {
            if (m.getInt(traf + 4) != fourcc("traf")) {
                continue;
            }
            int defaultSizeAt = -1;
            int end = traf + m.getInt(traf);
            for (int box = traf + 8; box < end; box += m.getInt(box)) {
                int type = m.getInt(box + 4);
                int flags = m.getInt(box + 8) & 0xFF_FFFF;
                if (type == fourcc("tfhd")) {
                    int p = box + 16 + ((flags & 0x1) != 0 ? 8 : 0) + ((flags & 0x2) != 0 ? 4 : 0)
                            + ((flags & 0x8) != 0 ? 4 : 0);
                    if ((flags & 0x10) != 0) {
                        defaultSizeAt = p;
                    }
                } else if (type == fourcc("trun")) {
                    int count = m.getInt(box + 12);
                    int offsetAt = box + 16;
                    int from = m.getInt(offsetAt) - moof.length;
                    m.putInt(offsetAt, moof.length + 8 + data.size());
                    int p = offsetAt + 4 + ((flags & 0x4) != 0 ? 4 : 0);
                    for (int i = 0; i < count; i++) {
                        p += (flags & 0x100) != 0 ? 4 : 0;
                        int sizeAt = (flags & 0x200) != 0 ? p : defaultSizeAt;
                        int size = m.getInt(sizeAt);
                        int kept = Math.min(size, MAX_SAMPLE);
                        data.write(mdat, from, kept);
                        from += size;
                        if ((flags & 0x200) != 0) {
                            m.putInt(p, kept);
                            p += 4;
                        }
                        p += ((flags & 0x400) != 0 ? 4 : 0) + ((flags & 0x800) != 0 ? 4 : 0);
                    }
                    if ((flags & 0x200) == 0 && defaultSizeAt >= 0) {
                        m.putInt(defaultSizeAt, Math.min(m.getInt(defaultSizeAt), MAX_SAMPLE));
                    }
                }
            }
        }
        return cat(moof, u32(8 + data.size()), ascii("mdat"), data.toByteArray());
    }

    private static void write(Path dir, String name, byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), bytes);
    }

    private static int fourcc(String s) {
        return ByteBuffer.wrap(ascii(s)).getInt();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] u8(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] u32(long value) {
        return ByteBuffer.allocate(4).putInt((int) value).array();
    }

    private static byte[] u64(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
