package dev.treecast.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.treecast.testing.Ffmpeg;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Every sample that {@link FragmentSamples} finds, checked against what ffprobe reports for the same file (decode
 * and presentation time, size, keyframe flag) and against the bytes of the fragment's {@code mdat}; and the
 * decoder configs against the {@code avcC} and {@code esds} boxes of the file.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FragmentSamplesTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    /** One packet as ffprobe lists it: pts and dts in the stream's timescale, size in bytes, keyframe flag. */
    private record Packet(long pts, long dts, int size, boolean key) {
    }

    private static List<Packet> ffprobe(Path file, String stream) throws IOException, InterruptedException {
        Path ffprobe = Ffmpeg.require().resolveSibling("ffprobe");
        Process p = new ProcessBuilder(ffprobe.toString(), "-v", "error", "-select_streams", stream,
                "-show_entries", "packet=pts,dts,size,flags", "-of", "csv=p=0", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<Packet> packets = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            String[] f = line.split(",");
            packets.add(new Packet(Long.parseLong(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]),
                    f[3].startsWith("K")));
        }
        return packets;
    }

    /** The samples of every fragment of one track, in order, with each one's bytes. */
    private record Found(Sample sample, byte[] bytes) {
    }

    private static List<Found> samples(Clip clip, int trackId) {
        List<Found> found = new ArrayList<>();
        for (Fragment f : clip.fragments(trackId)) {
            List<Sample> samples = FragmentSamples.of(clip.init(), f.content());
            assertThat(samples).hasSize(f.info().sampleCount());
            assertThat(samples.get(0).decodeTime()).isEqualTo(f.info().baseMediaDecodeTime());
            assertThat(samples.get(0).sync()).isEqualTo(f.info().startsWithSync());
            assertThat(samples.stream().mapToLong(Sample::duration).sum()).isEqualTo(f.info().duration());
            // A split fragment's mdat holds exactly its samples, back to back, in order.
            ByteBuf mdat = FragmentSplitter.splitMoofMdat(f.content())[1];
            byte[] payload = ByteBufUtil.getBytes(mdat, 8, mdat.readableBytes() - 8);
            int at = 0;
            for (Sample s : samples) {
                byte[] bytes = ByteBufUtil.getBytes(f.content(), f.content().readerIndex() + s.offset(), s.length());
                assertThat(bytes).isEqualTo(java.util.Arrays.copyOfRange(payload, at, at + s.length()));
                at += s.length();
                found.add(new Found(s, bytes));
            }
            assertThat(at).isEqualTo(payload.length);
        }
        return found;
    }

    private static void assertMatches(List<Found> found, List<Packet> packets) {
        assertThat(found).hasSameSizeAs(packets);
        for (int i = 0; i < packets.size(); i++) {
            Sample s = found.get(i).sample();
            Packet p = packets.get(i);
            assertThat(new Packet(s.presentationTime(), s.decodeTime(), s.length(), s.sync())).as("sample %d", i)
                    .isEqualTo(p);
        }
    }

    @Test
    void theDemoClipsSamplesAreTheOnesFfprobeReports() throws Exception {
        try (Clip clip = Clip.load(Unpooled.wrappedBuffer(DemoClip.bytes()), alloc)) {
            List<Found> video = samples(clip, 1);
            List<Found> audio = samples(clip, 2);
            assertMatches(video, ffprobe(DemoClip.PATH, "v"));
            assertMatches(audio, ffprobe(DemoClip.PATH, "a"));
            assertThat(video).hasSize(200);
            assertThat(audio).hasSize(375);
            // No B-frames: presentation order is decode order, 512 ticks (40 ms at 12800) apart; one keyframe a second.
            for (int i = 0; i < 200; i++) {
                assertThat(video.get(i).sample().presentationTime()).isEqualTo(512L * i);
                assertThat(video.get(i).sample().sync()).isEqualTo(i % 25 == 0);
            }
            assertThat(audio).allMatch(f -> f.sample().sync() && f.sample().duration() == 1024);
        }
    }

    @Test
    void bFramesHaveTheirCompositionOffsets(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bframes.mp4");
        Process p = new ProcessBuilder(Ffmpeg.require().toString(), "-hide_banner", "-nostdin", "-v", "error",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "3",
                "-c:v", "libx264", "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p",
                "-f", "mp4", "-movflags", "cmaf+frag_keyframe+empty_moov+default_base_moof+delay_moov",
                "-frag_duration", "200000", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        try (Clip clip = Clip.load(Unpooled.wrappedBuffer(Files.readAllBytes(file)), alloc)) {
            List<Found> video = samples(clip, 1);
            List<Packet> packets = ffprobe(file, "v");
            // ffmpeg writes version 1 truns with negative composition offsets (B-frames presented before the
            // frame decoded ahead of them) and, reading them back, shifts every presentation time by the most
            // negative offset, so that none is before its decode time; the ISO times (decode time plus offset,
            // what @moq/hang's own CMAF reader computes too) are ffprobe's less that constant.
            long shift = -video.stream().mapToLong(f -> f.sample().compositionOffset()).min().orElseThrow();
            assertThat(shift).as("there are negative composition offsets").isPositive();
            List<Packet> iso = packets.stream().map(k -> new Packet(k.pts() - shift, k.dts(), k.size(), k.key()))
                    .toList();
            assertMatches(video, iso);
            assertThat(video).as("some frames are presented out of decode order").anyMatch(f ->
                    f.sample().compositionOffset() != video.get(0).sample().compositionOffset());
        }
    }

    @Test
    void aFragmentThatIsNotOneMoofAndOneMdatIsRefused() {
        try (Clip clip = Clip.load(Unpooled.wrappedBuffer(DemoClip.bytes()), alloc)) {
            ByteBuf content = clip.fragments(1).get(0).content();
            ByteBuf truncated = content.slice(content.readerIndex(), content.readableBytes() - 1);
            assertThatThrownBy(() -> FragmentSamples.of(clip.init(), truncated)).isInstanceOf(CmafException.class);
        }
    }

    @Test
    void decoderConfigsAreTheAvcCAndTheAudioSpecificConfig() {
        try (Clip clip = Clip.load(Unpooled.wrappedBuffer(DemoClip.bytes()), alloc)) {
            // The payloads of the clip's avcC box and of the DecoderSpecificInfo in its esds (read with a hex editor).
            assertThat(HexFormat.of().formatHex(DecoderConfigs.of(clip.initSegment(1), 1))).isEqualTo(
                    "014d401effe10019674d401ed900a02ff97011000003000100000300320f162e4801000568ebc3cb20");
            assertThat(HexFormat.of().formatHex(DecoderConfigs.of(clip.initSegment(2), 2))).isEqualTo("119056e500");
            assertThatThrownBy(() -> DecoderConfigs.of(clip.initSegment(1), 2)).isInstanceOf(CmafException.class);
        }
    }
}
