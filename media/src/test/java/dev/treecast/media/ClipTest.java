package dev.treecast.media;

import static dev.treecast.media.FragmentSplitterTest.NON_SYNC;
import static dev.treecast.media.FragmentSplitterTest.SYNC;
import static dev.treecast.media.Mp4.cat;
import static dev.treecast.media.Mp4.mdat;
import static dev.treecast.media.Mp4.moof;
import static dev.treecast.media.Mp4.tfdt1;
import static dev.treecast.media.Mp4.tfhd;
import static dev.treecast.media.Mp4.traf;
import static dev.treecast.media.Mp4.trex;
import static dev.treecast.media.Mp4.trun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.treecast.testing.Ffmpeg;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClipTest {
    private static final int VIDEO = 1;
    private static final int AUDIO = 2;

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private Clip load(byte[] file) {
        ByteBuf buf = alloc.wrap(file);
        try {
            return Clip.load(buf, alloc);
        } finally {
            assertThat(buf.refCnt()).isOne();
            buf.release();
        }
    }

    private static FragmentInfo replayedInfo(Clip clip, ByteBuf replayed) {
        List<FragmentInfo> infos = new FragmentSplitter(clip.init()).inspect(replayed);
        assertThat(infos).hasSize(1);
        return infos.get(0);
    }

    @Test
    void loadsTheDemoClipWithPerTrackInitSegmentsAndFragments() {
        try (Clip clip = load(DemoClip.bytes())) {
            assertThat(clip.init().tracks()).extracting(Track::codec).containsExactly("avc1.4D401E", "mp4a.40.2");
            assertThat(clip.fragments()).hasSize(80);
            assertThat(clip.fragments(VIDEO)).hasSize(40);
            assertThat(clip.fragments(AUDIO)).hasSize(40);
            for (Track t : clip.init().tracks()) {
                ByteBuf init = clip.initSegment(t.trackId());
                assertThat(InitSegment.parse(init).tracks()).containsExactly(t);
            }
            assertThat(clip.fragments(VIDEO).stream().mapToInt(f -> f.info().sampleCount()).sum()).isEqualTo(200);
            assertThat(clip.fragments(AUDIO).stream().mapToInt(f -> f.info().sampleCount()).sum()).isEqualTo(375);
        }
    }

    @Test
    void loopDurationsAreTheSameEightSecondsForAudioAndVideo() {
        try (Clip clip = load(DemoClip.bytes())) {
            assertThat(clip.loopDuration(VIDEO)).isEqualTo(102_400); // 200 frames x 512 at 12800 Hz
            assertThat(clip.loopDuration(AUDIO)).isEqualTo(384_000); // 375 AAC frames x 1024 at 48000 Hz
            assertThat(clip.loopSeconds()).isEqualTo(8.0);
            // Exactly equal wall-clock lengths, as fractions: no drift however many loops are played.
            assertThat(BigInteger.valueOf(clip.loopDuration(VIDEO)).multiply(BigInteger.valueOf(48_000)))
                    .isEqualTo(BigInteger.valueOf(clip.loopDuration(AUDIO)).multiply(BigInteger.valueOf(12_800)));
        }
    }

    @Test
    void lastFragmentEndsWhereTheNextLoopsFirstFragmentStarts() {
        try (Clip clip = load(DemoClip.bytes())) {
            for (Track t : clip.init().tracks()) {
                List<Fragment> list = clip.fragments(t.trackId());
                FragmentInfo first = list.get(0).info();
                FragmentInfo last = list.get(list.size() - 1).info();
                assertThat(last.endDecodeTime()).isEqualTo(first.baseMediaDecodeTime()
                        + clip.loopDuration(t.trackId()));
                ByteBuf next = clip.replay(list.get(0), 1, 999, alloc);
                try {
                    FragmentInfo replayed = replayedInfo(clip, next);
                    assertThat(replayed.baseMediaDecodeTime()).isEqualTo(last.endDecodeTime());
                    assertThat(replayed.sequenceNumber()).isEqualTo(999);
                    assertThat(replayed.startsWithSync()).isTrue();
                } finally {
                    next.release();
                }
            }
        }
    }

    @Test
    void replayedLoopsAreGaplessKeepKeyframesAtGroupStartsAndStayInSync() {
        try (Clip clip = load(DemoClip.bytes())) {
            long[] next = new long[3];
            long sequence = 1;
            for (long loop = 0; loop < 5; loop++) {
                long[] loopStart = new long[3];
                for (Fragment f : clip.fragments()) {
                    ByteBuf replayed = clip.replay(f, loop, sequence++, alloc);
                    try {
                        FragmentInfo info = replayedInfo(clip, replayed);
                        assertThat(info.baseMediaDecodeTime()).as("loop %d track %d", loop, info.trackId())
                                .isEqualTo(next[info.trackId()]);
                        if (f == clip.fragments(info.trackId()).get(0)) {
                            loopStart[info.trackId()] = info.baseMediaDecodeTime();
                        }
                        next[info.trackId()] = info.endDecodeTime();
                        if (info.trackId() == VIDEO) {
                            // Every group of pictures starts with a keyframe, on every loop.
                            assertThat(info.startsWithSync()).isEqualTo(info.baseMediaDecodeTime() % 12_800 == 0);
                        }
                    } finally {
                        replayed.release();
                    }
                }
                // Both tracks start loop n at exactly 8n seconds.
                assertThat(loopStart[VIDEO]).isEqualTo(loop * 8 * 12_800);
                assertThat(loopStart[AUDIO]).isEqualTo(loop * 8 * 48_000);
            }
        }
        // A million loops later (about 93 days) the tracks still agree to the sample.
        try (Clip clip = load(DemoClip.bytes())) {
            long loop = 1_000_000;
            ByteBuf v = clip.replay(clip.fragments(VIDEO).get(0), loop, 1, alloc);
            ByteBuf a = clip.replay(clip.fragments(AUDIO).get(0), loop, 1, alloc);
            try {
                assertThat(replayedInfo(clip, v).baseMediaDecodeTime()).isEqualTo(loop * 8 * 12_800);
                assertThat(replayedInfo(clip, a).baseMediaDecodeTime()).isEqualTo(loop * 8 * 48_000);
            } finally {
                v.release();
                a.release();
            }
        }
    }

    @Test
    void ffmpegDecodesEachTracksInitPlusThreeReplayedLoopsWithoutErrors(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path ffmpeg = Ffmpeg.require();
        try (Clip clip = load(DemoClip.bytes())) {
            for (Track t : clip.init().tracks()) {
                Path file = dir.resolve("track" + t.trackId() + ".mp4");
                try (OutputStream out = Files.newOutputStream(file)) {
                    ByteBuf init = clip.initSegment(t.trackId());
                    init.getBytes(init.readerIndex(), out, init.readableBytes());
                    long sequence = 1;
                    for (int loop = 0; loop < 3; loop++) {
                        for (Fragment f : clip.fragments(t.trackId())) {
                            ByteBuf replayed = clip.replay(f, loop, sequence++, alloc);
                            try {
                                replayed.readBytes(out, replayed.readableBytes());
                            } finally {
                                replayed.release();
                            }
                        }
                    }
                }
                // Decode every frame: any error in the bitstream or the fragment structure is printed.
                Process decode = new ProcessBuilder(ffmpeg.toString(), "-v", "error", "-i", file.toString(),
                        "-f", "null", "-").redirectErrorStream(true).start();
                String errors = new String(decode.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(decode.waitFor()).isZero();
                assertThat(errors).isEmpty();
                // Count decoded frames and the last timestamp: 3 loops of 200 frames / 375 AAC frames, 24 s.
                Process count = new ProcessBuilder(ffmpeg.toString(), "-v", "error", "-i", file.toString(),
                        "-map", "0", "-c", "copy", "-f", "framecrc", "-").start();
                List<String> lines = new ArrayList<>();
                for (String line : new String(count.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                        .split("\n")) {
                    if (!line.startsWith("#") && !line.isBlank()) {
                        lines.add(line);
                    }
                }
                assertThat(count.waitFor()).isZero();
                assertThat(lines).hasSize(t.isVideo() ? 600 : 1125);
                String[] last = lines.get(lines.size() - 1).split(",\\s*");
                long lastDts = Long.parseLong(last[1]);
                long lastDuration = Long.parseLong(last[3]);
                assertThat(lastDts + lastDuration).isEqualTo(3 * clip.loopDuration(t.trackId()));
            }
        }
    }

    /** A synthetic two-track clip: video fragments of {@code videoSamples} x 512 and audio of x 1024. */
    private static byte[] syntheticClip(int[] videoSamples, int[] audioSamples, long[] videoStarts,
            long[] audioStarts, int firstVideoFlags) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(Mp4.init(trex(VIDEO, 512, 0, NON_SYNC), trex(AUDIO, 1024, 0, SYNC)));
        for (int i = 0; i < videoSamples.length; i++) {
            // Samples of size 0 (trex default) need no mdat bytes, so data_offset 0 is valid.
            byte[] m = moof(i + 1,
                    traf(tfhd(0x020000, VIDEO), tfdt1(videoStarts[i]),
                            trun(0x005, videoSamples[i], new long[] {0, i == 0 ? firstVideoFlags : SYNC})),
                    traf(tfhd(0x020000, AUDIO), tfdt1(audioStarts[i]), trun(0x001, audioSamples[i], new long[] {0})));
            parts.add(m);
            parts.add(mdat(new byte[0]));
        }
        return cat(parts.toArray(new byte[0][]));
    }

    @Test
    void loadsASyntheticClipWhoseTracksHaveEqualLength() {
        byte[] file = syntheticClip(new int[] {100, 100}, new int[] {187, 188}, new long[] {0, 51_200},
                new long[] {0, 187 * 1024}, SYNC);
        try (Clip clip = load(file)) {
            assertThat(clip.loopDuration(VIDEO)).isEqualTo(102_400);
            assertThat(clip.loopDuration(AUDIO)).isEqualTo(384_000);
        }
    }

    @Test
    void rejectsAClipWhoseTracksDifferInLength() {
        // ffmpeg's default output: 200 video frames but 376 AAC frames (the encoder's priming frame).
        byte[] file = syntheticClip(new int[] {100, 100}, new int[] {188, 188}, new long[] {0, 51_200},
                new long[] {0, 188 * 1024}, SYNC);
        assertThatThrownBy(() -> load(file)).isInstanceOf(CmafException.class)
                .hasMessage("clip tracks differ in length: track 1 lasts 102400/12800 s but track 2 lasts"
                        + " 385024/48000 s; replaying them in a loop would drift out of sync");
    }

    @Test
    void rejectsAClipWithAGapBetweenFragments() {
        byte[] file = syntheticClip(new int[] {100, 100}, new int[] {187, 188}, new long[] {0, 51_712},
                new long[] {0, 187 * 1024}, SYNC);
        assertThatThrownBy(() -> load(file)).isInstanceOf(CmafException.class)
                .hasMessage("clip track 1 (vide): fragment 1 starts at decode time 51712 but the previous one ends"
                        + " at 51200 (gap or overlap)");
    }

    @Test
    void rejectsAClipWhoseFirstVideoFragmentDoesNotStartWithAKeyframe() {
        byte[] file = syntheticClip(new int[] {100, 100}, new int[] {187, 188}, new long[] {0, 51_200},
                new long[] {0, 187 * 1024}, NON_SYNC);
        assertThatThrownBy(() -> load(file)).isInstanceOf(CmafException.class)
                .hasMessage("clip track 1 (vide): the first fragment does not start with a sync sample, so a loop"
                        + " cannot restart there");
    }

    @Test
    void rejectsTruncatedAndEmptyClipsWithoutLeaking() {
        byte[] demo = DemoClip.bytes();
        for (int cut : new int[] {0, 10, 1000, demo.length / 2, demo.length - 1}) {
            byte[] truncated = java.util.Arrays.copyOf(demo, cut);
            assertThatThrownBy(() -> load(truncated)).as("cut at %d", cut).isInstanceOf(CmafException.class);
        }
        assertThatThrownBy(() -> load(Mp4.ftyp())).isInstanceOf(CmafException.class)
                .hasMessage("clip has no 'moov' (no init segment)");
        assertThatThrownBy(() -> load(Mp4.init())).isInstanceOf(CmafException.class)
                .hasMessage("clip track 1 (vide) has no samples");
    }
}
