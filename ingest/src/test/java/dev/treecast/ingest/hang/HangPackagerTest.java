package dev.treecast.ingest.hang;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.treecast.media.BoxReader;
import dev.treecast.media.Box;
import dev.treecast.media.Clip;
import dev.treecast.media.CmafDemuxer;
import dev.treecast.media.Fragment;
import dev.treecast.media.Track;
import dev.treecast.protocol.Varint;
import dev.treecast.testing.Ffmpeg;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * The hang packaging of real ffmpeg output (the committed demo clip, and a live-style ffmpeg stream with B-frames):
 * the exact catalog, one frame per sample with its presentation time and its bytes, and decodability: the frames,
 * written back out as an H.264 Annex B stream and as ADTS AAC, decode in ffmpeg to exactly the pictures and sound
 * that ffmpeg decodes from the original file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public class HangPackagerTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    /** The catalog the demo clip produces (see docs/hang.md). */
    public static final String DEMO_CATALOG = "{\"video\":{\"renditions\":{\"video.hang\":{\"codec\":\"avc1.4D401E\","
            + "\"container\":{\"kind\":\"legacy\"},\"description\":\"014d401effe10019674d401ed900a02ff97011000003"
            + "000100000300320f162e4801000568ebc3cb20\",\"codedWidth\":640,\"codedHeight\":360,\"jitter\":200}}},"
            + "\"audio\":{\"renditions\":{\"audio.hang\":{\"codec\":\"mp4a.40.2\",\"container\":{\"kind\":"
            + "\"legacy\"},\"description\":\"119056e500\",\"sampleRate\":48000,\"numberOfChannels\":2,"
            + "\"jitter\":214}}}}";

    /** What a packager produced. */
    static final class Recorder implements HangPackager.Sink {
        record Frame(String track, long micros, byte[] data) {
        }

        final List<String> catalogs = new ArrayList<>();
        final List<List<String>> declared = new ArrayList<>();
        final List<Frame> frames = new ArrayList<>();
        final List<String> failures = new ArrayList<>();

        @Override
        public void catalog(byte[] json, List<String> frameTracks) {
            catalogs.add(new String(json, StandardCharsets.UTF_8));
            declared.add(frameTracks);
        }

        @Override
        public void frame(String track, ByteBuf payload) {
            long micros = Varint.get(payload, payload.readerIndex());
            int prefix = Varint.lengthAt(payload, payload.readerIndex());
            frames.add(new Frame(track, micros, ByteBufUtil.getBytes(payload, payload.readerIndex() + prefix,
                    payload.readableBytes() - prefix)));
        }

        @Override
        public void failed(String track, RuntimeException error) {
            failures.add(track + ": " + error.getMessage());
        }

        List<Frame> on(String track) {
            return frames.stream().filter(f -> f.track().equals(track)).toList();
        }
    }

    static Clip demoClip() throws IOException {
        try (InputStream in = HangPackagerTest.class.getResourceAsStream("/clips/demo.mp4")) {
            return Clip.load(Unpooled.wrappedBuffer(in.readAllBytes()), ALLOC);
        }
    }

    static Map<Integer, String> names(Clip clip) {
        Map<Integer, String> names = new LinkedHashMap<>();
        for (Track t : clip.init().tracks()) {
            names.put(t.trackId(), t.isVideo() ? "video" : "audio");
        }
        return names;
    }

    /** Plays {@code loops} passes of the clip through a packager, fragment by fragment as ClipSource does. */
    private static Recorder playClip(Clip clip, int loops) {
        Recorder out = new Recorder();
        HangPackager packager = new HangPackager(out, ALLOC);
        packager.init(clip.init(), clip::initSegment, names(clip), Map.of(1, 200L, 2, 214L));
        long sequence = 1;
        for (int loop = 0; loop < loops; loop++) {
            for (Fragment f : clip.fragments()) {
                ByteBuf content = clip.replay(f, loop, sequence++, ALLOC);
                try {
                    packager.fragment(f.trackId(), content);
                } finally {
                    content.release();
                }
            }
        }
        return out;
    }

    @Test
    void theDemoClipsCatalogIsTheDocumentedOne() throws IOException {
        try (Clip clip = demoClip()) {
            Recorder out = playClip(clip, 0);
            assertThat(out.catalogs).containsExactly(DEMO_CATALOG);
            assertThat(out.declared).containsExactly(List.of("video.hang", "audio.hang"));
        }
    }

    @Test
    void everySampleIsOneFrameWithItsPresentationTimeAndItsBytes() throws IOException {
        try (Clip clip = demoClip()) {
            Recorder out = playClip(clip, 2);
            assertThat(out.failures).isEmpty();
            List<Recorder.Frame> video = out.on("video.hang");
            List<Recorder.Frame> audio = out.on("audio.hang");
            assertThat(video).hasSize(2 * 200);
            assertThat(audio).hasSize(2 * 375);
            // 25 fps from 0, and the second pass continues the first (8 s later); AAC frames of 1024 samples at 48 kHz.
            for (int i = 0; i < video.size(); i++) {
                assertThat(video.get(i).micros()).isEqualTo(40_000L * i);
            }
            for (int i = 0; i < audio.size(); i++) {
                assertThat(audio.get(i).micros()).isEqualTo(Math.round(i * 1024 * 1e6 / 48000));
            }
            // Each frame is its sample's bytes: the mdat payloads of the track's fragments, cut at sample sizes.
            ByteArrayOutputStream mdats = new ByteArrayOutputStream();
            for (Fragment f : clip.fragments(1)) {
                ByteBuf c = f.content();
                int moof = (int) c.getUnsignedInt(c.readerIndex());
                mdats.writeBytes(ByteBufUtil.getBytes(c, c.readerIndex() + moof + 8, c.readableBytes() - moof - 8));
            }
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            video.subList(0, 200).forEach(f -> frames.writeBytes(f.data()));
            assertThat(frames.toByteArray()).isEqualTo(mdats.toByteArray());
            // A keyframe is an IDR access unit: in this clip, AVCC NAL units SEI? then IDR (type 5) every 25 frames.
            for (int i = 0; i < video.size(); i++) {
                assertThat(nalTypes(video.get(i).data()).contains(5)).as("frame %d is an IDR", i).isEqualTo(i % 25 == 0);
            }
        }
    }

    @Test
    void theFramesDecodeToTheSamePicturesAndSoundAsTheOriginal(@TempDir Path dir) throws Exception {
        try (Clip clip = demoClip()) {
            Recorder out = playClip(clip, 1);
            byte[] avcc = DecoderConfigsView.avcC(DEMO_CATALOG);
            Path h264 = dir.resolve("video.h264");
            Files.write(h264, annexB(out.on("video.hang"), avcc, 25));
            Path aac = dir.resolve("audio.aac");
            Files.write(aac, adts(out.on("audio.hang"), 2, 3, 2));
            Path original = dir.resolve("demo.mp4");
            try (InputStream in = HangPackagerTest.class.getResourceAsStream("/clips/demo.mp4")) {
                Files.copy(in, original);
            }
            List<String> expectedVideo = frameHashes("-i", original.toString(), "-map", "0:v");
            List<String> expectedAudio = frameHashes("-i", original.toString(), "-map", "0:a");
            assertThat(expectedVideo).hasSize(200);
            assertThat(expectedAudio).hasSize(375);
            assertThat(frameHashes("-f", "h264", "-i", h264.toString())).isEqualTo(expectedVideo);
            assertThat(frameHashes("-f", "aac", "-i", aac.toString())).isEqualTo(expectedAudio);
        }
    }

    /**
     * A live upload, as ffmpeg writes it to the ingest (with B-frames, which the demo clip does not have), fed in
     * arbitrary chunks through the demuxer: the catalog waits for the first fragments and carries their duration
     * as jitter; presentation times follow the composition offsets; the frames decode like the original.
     */
    @Test
    void aLiveStreamWithBFramesIsPackagedAndDecodes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("live.mp4");
        run(Ffmpeg.require().toString(), "-hide_banner", "-nostdin", "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=44100", "-t", "4",
                "-c:v", "libx264", "-bf", "2", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "1",
                "-f", "mp4", "-movflags", "cmaf+frag_keyframe+empty_moov+default_base_moof+delay_moov",
                "-frag_duration", "200000", file.toString());
        byte[] bytes = Files.readAllBytes(file);
        Recorder out = new Recorder();
        HangPackager packager = new HangPackager(out, ALLOC);
        try (BoxReader reader = new BoxReader(ALLOC, 1 << 24); CmafDemuxer demuxer = new CmafDemuxer(ALLOC)) {
            boolean initialised = false;
            for (int at = 0; at < bytes.length; at += 1000) {
                List<Box> boxes = reader.feed(Unpooled.wrappedBuffer(bytes, at, Math.min(1000, bytes.length - at)));
                for (Box box : boxes) {
                    List<Fragment> fragments = demuxer.accept(box);
                    if (!initialised && demuxer.init() != null) {
                        packager.init(demuxer.init(), demuxer::trackInitSegment, Map.of(1, "video", 2, "audio"),
                                null);
                        assertThat(out.catalogs).as("no catalog before the first fragment").isEmpty();
                        initialised = true;
                    }
                    packager.fragments(fragments);
                    fragments.forEach(Fragment::close);
                }
            }
            reader.finish();
        }
        assertThat(out.failures).isEmpty();
        // Fragments of 200 ms (video) and 8 to 10 AAC frames of 23.2 ms (audio), rounded up to 100 ms: the
        // audio jitter grows once, from 200 to 300 ms, when the first fragment longer than 200 ms comes.
        assertThat(out.catalogs).hasSize(2);
        assertThat(out.catalogs.get(0)).contains("\"jitter\":200").doesNotContain("\"jitter\":300");
        // The codec string is the avcC's profile, compatibility and level bytes (x264 picks the level).
        byte[] config = DecoderConfigsView.avcC(out.catalogs.get(1));
        assertThat(out.catalogs.get(1)).contains("\"video.hang\":{\"codec\":\"avc1."
                        + HexFormat.of().withUpperCase().formatHex(config, 1, 4) + "\"")
                .contains("\"codedWidth\":320,\"codedHeight\":180,\"jitter\":200")
                .contains("\"codec\":\"mp4a.40.2\"").contains("\"sampleRate\":44100,\"numberOfChannels\":1,\"jitter\":300");

        List<Recorder.Frame> video = out.on("video.hang");
        assertThat(video).hasSize(100);
        // Presentation times: decode order is not presentation order, but sorted they are 40 ms apart.
        long[] sorted = video.stream().mapToLong(Recorder.Frame::micros).sorted().toArray();
        for (int i = 0; i < sorted.length; i++) {
            assertThat(sorted[i]).isEqualTo(40_000L * i);
        }
        assertThat(video.stream().mapToLong(Recorder.Frame::micros).toArray()).isNotEqualTo(sorted);

        String catalog = out.catalogs.get(1);
        byte[] avcc = DecoderConfigsView.avcC(catalog);
        Path h264 = dir.resolve("video.h264");
        Files.write(h264, annexB(video, avcc, 25));
        assertThat(frameHashes("-f", "h264", "-i", h264.toString()))
                .isEqualTo(frameHashes("-i", file.toString(), "-map", "0:v"));
        Path aac = dir.resolve("audio.aac");
        Files.write(aac, adts(out.on("audio.hang"), 2, 4, 1));
        assertThat(frameHashes("-f", "aac", "-i", aac.toString()))
                .isEqualTo(frameHashes("-i", file.toString(), "-map", "0:a"));
    }

    // ---- helpers: write frames back out as elementary streams ffmpeg reads ----

    /** Reads the avcC hex of the video rendition out of a catalog. */
    static final class DecoderConfigsView {
        static byte[] avcC(String catalog) {
            int at = catalog.indexOf("\"description\":\"") + 15;
            return HexFormat.of().parseHex(catalog.substring(at, catalog.indexOf('"', at)));
        }
    }

    /** NAL unit types of an AVCC access unit (4-byte lengths). */
    static List<Integer> nalTypes(byte[] au) {
        List<Integer> types = new ArrayList<>();
        for (int at = 0; at < au.length; ) {
            int len = ((au[at] & 0xFF) << 24) | ((au[at + 1] & 0xFF) << 16) | ((au[at + 2] & 0xFF) << 8)
                    | (au[at + 3] & 0xFF);
            types.add(au[at + 4] & 0x1F);
            at += 4 + len;
        }
        return types;
    }

    /**
     * H.264 Annex B: the SPS and PPS of the avcC before every group's first frame (every {@code gop} frames, as the
     * groups of the hang track), then each NAL unit with a start code instead of its length.
     */
    static byte[] annexB(List<Recorder.Frame> frames, byte[] avcc, int gop) {
        int lengthSize = (avcc[4] & 0x03) + 1;
        assertThat(lengthSize).isEqualTo(4);
        ByteArrayOutputStream params = new ByteArrayOutputStream();
        int at = 5;
        int sps = avcc[at++] & 0x1F;
        for (int i = 0; i < sps; i++) {
            int len = ((avcc[at] & 0xFF) << 8) | (avcc[at + 1] & 0xFF);
            params.writeBytes(new byte[] {0, 0, 0, 1});
            params.write(avcc, at + 2, len);
            at += 2 + len;
        }
        int pps = avcc[at++] & 0xFF;
        for (int i = 0; i < pps; i++) {
            int len = ((avcc[at] & 0xFF) << 8) | (avcc[at + 1] & 0xFF);
            params.writeBytes(new byte[] {0, 0, 0, 1});
            params.write(avcc, at + 2, len);
            at += 2 + len;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < frames.size(); i++) {
            if (i % gop == 0) {
                out.writeBytes(params.toByteArray());
            }
            byte[] au = frames.get(i).data();
            for (int p = 0; p < au.length; ) {
                int len = ((au[p] & 0xFF) << 24) | ((au[p + 1] & 0xFF) << 16) | ((au[p + 2] & 0xFF) << 8)
                        | (au[p + 3] & 0xFF);
                out.writeBytes(new byte[] {0, 0, 0, 1});
                out.write(au, p + 4, len);
                p += 4 + len;
            }
        }
        return out.toByteArray();
    }

    /** ADTS (ISO/IEC 13818-7 §6.2): a 7-byte header before each raw AAC frame. */
    static byte[] adts(List<Recorder.Frame> frames, int audioObjectType, int frequencyIndex, int channels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Recorder.Frame f : frames) {
            int length = 7 + f.data().length;
            out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xF1,
                (byte) (((audioObjectType - 1) << 6) | (frequencyIndex << 2) | (channels >> 2)),
                (byte) (((channels & 3) << 6) | (length >> 11)), (byte) (length >> 3),
                (byte) (((length & 7) << 5) | 0x1F), (byte) 0xFC});
            out.writeBytes(f.data());
        }
        return out.toByteArray();
    }

    /** The MD5 of every decoded frame (ffmpeg's framemd5 muxer, hash column only), decoding with no error. */
    static List<String> frameHashes(String... input) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Ffmpeg.require().toString(), "-hide_banner", "-nostdin",
                "-v", "error", "-xerror"));
        command.addAll(List.of(input));
        command.addAll(List.of("-f", "framemd5", "-"));
        String out = run(command.toArray(String[]::new));
        List<String> hashes = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                String[] cols = line.split(",");
                hashes.add(cols[cols.length - 1].strip());
            }
        }
        return hashes;
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", Arrays.toString(command), out).isZero();
        assertThat(out).as("ffmpeg reported errors").doesNotContain("rror");
        return out;
    }
}
