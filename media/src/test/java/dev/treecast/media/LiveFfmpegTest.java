package dev.treecast.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.treecast.testing.Ffmpeg;

/**
 * Drives a real ffmpeg writing live fragmented MP4 to a pipe, and feeds its stdout in random-sized chunks through
 * the box reader and the splitter, as the ingest does with an HTTP chunked upload.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LiveFfmpegTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private static String runBytes(Moof.Resolved traf, int moofSize, ByteBuf mdat) {
        StringBuilder hex = new StringBuilder();
        for (Moof.Run run : traf.runs()) {
            hex.append(ByteBufUtil.hexDump(mdat, mdat.readerIndex() + (int) (run.dataStart() - moofSize),
                    (int) run.dataLength()));
        }
        return hex.toString();
    }

    /**
     * {@code cmaf+frag_keyframe+empty_moov+default_base_moof} is what the ingest expects; without
     * {@code default_base_moof} ffmpeg writes an absolute tfhd base_data_offset, which the splitter maps with the
     * moof's stream offset.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cmaf+frag_keyframe+empty_moov+default_base_moof", "frag_keyframe+empty_moov"})
    void splitsEveryLiveMoofIntoVideoAndAudioFragments(String movflags, @TempDir Path dir)
            throws IOException, InterruptedException {
        Path ffmpeg = Ffmpeg.require();
        Path log = dir.resolve("ffmpeg.log");
        Process process = new ProcessBuilder(ffmpeg.toString(), "-hide_banner", "-nostdin", "-v", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-g", "10", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-f", "mp4", "-movflags", movflags, "pipe:1")
                .redirectError(log.toFile()).start();
        Random random = new Random(movflags.hashCode());
        List<Box> boxes = new ArrayList<>();
        int chunks = 0;
        try (BoxReader reader = new BoxReader(alloc); InputStream in = process.getInputStream()) {
            byte[] buf = new byte[8192];
            while (true) {
                int n = in.read(buf, 0, 1 + random.nextInt(buf.length));
                if (n < 0) {
                    break;
                }
                // Re-cut each read at a random point too, so boxes and headers straddle chunks.
                int cut = random.nextInt(n + 1);
                boxes.addAll(reader.feed(alloc.buffer(cut).writeBytes(buf, 0, cut)));
                boxes.addAll(reader.feed(alloc.buffer(n - cut).writeBytes(buf, cut, n - cut)));
                chunks += 2;
            }
            reader.finish();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(Files.readString(log, StandardCharsets.UTF_8)).isZero();
            assertThat(chunks).isGreaterThan(10);
            verify(boxes);
        } finally {
            process.destroyForcibly();
            boxes.forEach(b -> {
                if (b.content().refCnt() > 0) {
                    b.close();
                }
            });
        }
    }

    private void verify(List<Box> boxes) {
        assertThat(boxes.get(0).type()).isEqualTo("ftyp");
        assertThat(boxes.get(1).type()).isEqualTo("moov");
        ByteBuf initBytes = alloc.buffer();
        initBytes.writeBytes(boxes.get(0).content().duplicate()).writeBytes(boxes.get(1).content().duplicate());
        InitSegment init = InitSegment.parse(initBytes);
        initBytes.release();
        assertThat(init.tracks()).extracting(Track::handler).containsExactly("vide", "soun");
        assertThat(init.track(1).codec()).matches("avc1\\.[0-9A-F]{6}");
        assertThat(init.track(1).width()).isEqualTo(320);
        assertThat(init.track(1).height()).isEqualTo(180);
        assertThat(init.track(2).codec()).isEqualTo("mp4a.40.2");
        assertThat(init.track(2).sampleRate()).isEqualTo(48000);
        assertThat(init.track(2).channelCount()).isEqualTo(1);

        FragmentSplitter splitter = new FragmentSplitter(init);
        List<FragmentInfo> expected = new ArrayList<>();
        long[] next = {0, -1, -1};
        long[] total = new long[3];
        int moofs = 0;
        for (int i = 2; i < boxes.size(); i++) {
            Box moof = boxes.get(i);
            if (!moof.is("moof")) {
                continue; // mfra at the end of the non-CMAF variant
            }
            Box mdat = boxes.get(++i);
            assertThat(mdat.type()).isEqualTo("mdat");
            moofs++;
            List<Moof.Resolved> sourceRuns = splitter.resolve(moof.content(), moof.streamOffset(), mdat.content());
            List<Fragment> fragments = splitter.split(moof.content(), moof.streamOffset(), mdat.content(), alloc);
            try {
                assertThat(fragments).as("moof %d", moofs).extracting(Fragment::trackId).containsExactly(1, 2);
                for (int t = 0; t < 2; t++) {
                    Fragment f = fragments.get(t);
                    FragmentInfo info = f.info();
                    expected.add(info);
                    assertThat(splitter.inspect(f.content())).containsExactly(info);
                    if (next[info.trackId()] >= 0) {
                        assertThat(info.baseMediaDecodeTime()).isEqualTo(next[info.trackId()]);
                    }
                    next[info.trackId()] = info.endDecodeTime();
                    total[info.trackId()] += info.duration();
                    // frag_keyframe: every video fragment starts at a keyframe; every AAC frame is a sync sample.
                    assertThat(info.startsWithSync()).isTrue();
                    ByteBuf[] parts = FragmentSplitter.splitMoofMdat(f.content());
                    assertThat(ByteBufUtil.hexDump(parts[1], 8, parts[1].readableBytes() - 8))
                            .isEqualTo(runBytes(sourceRuns.get(t), moof.size(), mdat.content()));
                }
            } finally {
                fragments.forEach(Fragment::close);
            }
        }
        assertThat(moofs).isGreaterThanOrEqualTo(4);

        // The demuxer, fed the same boxes, produces the same fragments (it maps base_data_offset with the
        // moof's stream offset as the reader counted it).
        List<FragmentInfo> demuxed = new ArrayList<>();
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            for (Box b : boxes) {
                Box copy = new Box(b.typeCode(), b.headerLength(), b.streamOffset(), b.content().retainedDuplicate());
                for (Fragment f : demuxer.accept(copy)) {
                    demuxed.add(f.info());
                    f.close();
                }
            }
            demuxer.finish();
        }
        assertThat(demuxed).isEqualTo(expected);
        // About two seconds of each track.
        assertThat((double) total[1] / init.track(1).timescale()).isBetween(1.5, 2.5);
        assertThat((double) total[2] / init.track(2).timescale()).isBetween(1.5, 2.5);
    }
}
