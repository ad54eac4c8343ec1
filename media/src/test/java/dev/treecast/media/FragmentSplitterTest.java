package dev.treecast.media;

import static dev.treecast.media.Mp4.cat;
import static dev.treecast.media.Mp4.mdat;
import static dev.treecast.media.Mp4.moof;
import static dev.treecast.media.Mp4.pattern;
import static dev.treecast.media.Mp4.tfdt0;
import static dev.treecast.media.Mp4.tfdt1;
import static dev.treecast.media.Mp4.tfhd;
import static dev.treecast.media.Mp4.traf;
import static dev.treecast.media.Mp4.trex;
import static dev.treecast.media.Mp4.trun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FragmentSplitterTest {
    /** Sync sample flags as ffmpeg writes them: sample_depends_on = 2, sample_is_non_sync_sample = 0. */
    static final int SYNC = 0x02000000;
    /** Non-sync: sample_depends_on = 1, sample_is_non_sync_sample = 1 (ISO/IEC 14496-12 §8.8.3.1). */
    static final int NON_SYNC = 0x01010000;

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    /** The top-level boxes of a whole file, read through a BoxReader. The caller closes them. */
    static List<Box> boxes(TrackingAllocator alloc, byte[] file) {
        try (BoxReader reader = new BoxReader(alloc)) {
            List<Box> boxes = reader.feed(alloc.wrap(file));
            reader.finish();
            return boxes;
        }
    }

    private static List<String> childTypes(ByteBuf buf, Boxes.BoxRef parent) {
        List<String> out = new ArrayList<>();
        for (Boxes.BoxRef b : Boxes.children(buf, parent)) {
            out.add(b.typeName());
        }
        return out;
    }

    /** Concatenated bytes of every run of a resolved traf, read from the mdat that follows the moof. */
    private static String runBytes(Moof.Resolved traf, int moofSize, ByteBuf mdat) {
        StringBuilder hex = new StringBuilder();
        for (Moof.Run run : traf.runs()) {
            hex.append(ByteBufUtil.hexDump(mdat, mdat.readerIndex() + (int) (run.dataStart() - moofSize),
                    (int) run.dataLength()));
        }
        return hex.toString();
    }

    @Test
    void splitsEveryDemoFragmentIntoVideoAndAudioWithByteIdenticalSamples() {
        List<Box> boxes = boxes(alloc, DemoClip.bytes());
        try {
            ByteBuf init = alloc.buffer();
            init.writeBytes(boxes.get(0).content().duplicate()).writeBytes(boxes.get(1).content().duplicate());
            FragmentSplitter splitter = new FragmentSplitter(InitSegment.parse(init));
            init.release();
            long[] next = new long[3];
            int[] samples = new int[3];
            int videoFragments = 0;
            int keyframeFragments = 0;
            // ftyp, moov, 40 x (moof, mdat), then ffmpeg's mfra index, which the splitter has no use for.
            assertThat(boxes).hasSize(83);
            assertThat(boxes.get(82).type()).isEqualTo("mfra");
            for (int i = 2; i < 82; i += 2) {
                Box moof = boxes.get(i);
                Box mdat = boxes.get(i + 1);
                assertThat(moof.type()).isEqualTo("moof");
                assertThat(mdat.type()).isEqualTo("mdat");
                List<FragmentInfo> source = splitter.inspect(moof.content(), mdat.content());
                List<Moof.Resolved> sourceRuns = splitter.resolve(moof.content(), mdat.content());
                List<Fragment> outs = splitter.split(moof.content(), mdat.content(), alloc);
                try {
                    assertThat(outs).extracting(Fragment::trackId).containsExactly(1, 2);
                    for (int t = 0; t < 2; t++) {
                        Fragment out = outs.get(t);
                        FragmentInfo info = out.info();
                        assertThat(info).isEqualTo(source.get(t));
                        assertThat(splitter.inspect(out.content())).containsExactly(info);
                        // Decode times are contiguous per track, and fragments are the sizes ffmpeg cut.
                        assertThat(info.baseMediaDecodeTime()).isEqualTo(next[info.trackId()]);
                        next[info.trackId()] = info.endDecodeTime();
                        samples[info.trackId()] += info.sampleCount();
                        if (info.trackId() == 1) {
                            videoFragments++;
                            assertThat(info.sampleCount()).isEqualTo(5);
                            assertThat(info.duration()).isEqualTo(5 * 512);
                            // Keyframe every second (12800 ticks) and only there.
                            assertThat(info.startsWithSync()).isEqualTo(info.baseMediaDecodeTime() % 12800 == 0);
                            keyframeFragments += info.startsWithSync() ? 1 : 0;
                        } else {
                            assertThat(info.duration()).isEqualTo(1024L * info.sampleCount());
                            assertThat(info.startsWithSync()).isTrue();
                        }
                        ByteBuf[] parts = FragmentSplitter.splitMoofMdat(out.content());
                        Boxes.BoxRef outMoof = Boxes.header(parts[0], 0, parts[0].readableBytes(), "t");
                        assertThat(childTypes(parts[0], outMoof)).containsExactly("mfhd", "traf");
                        Boxes.BoxRef outTraf = Boxes.children(parts[0], outMoof).get(1);
                        assertThat(childTypes(parts[0], outTraf)).containsExactly("tfhd", "tfdt", "trun");
                        // The output mdat holds exactly this track's samples, byte for byte.
                        Moof.Resolved outRuns = splitter.resolve(parts[0], parts[1]).get(0);
                        String expected = runBytes(sourceRuns.get(t), moof.size(), mdat.content());
                        assertThat(runBytes(outRuns, parts[0].readableBytes(), parts[1])).isEqualTo(expected);
                        assertThat(ByteBufUtil.hexDump(parts[1], 8, parts[1].readableBytes() - 8))
                                .isEqualTo(expected);
                    }
                } finally {
                    outs.forEach(Fragment::close);
                }
            }
            assertThat(videoFragments).isEqualTo(40);
            assertThat(keyframeFragments).isEqualTo(8);
            assertThat(samples[1]).isEqualTo(200);
            assertThat(samples[2]).isEqualTo(375);
            assertThat(next[1]).isEqualTo(102_400);
            assertThat(next[2]).isEqualTo(384_000);
        } finally {
            boxes.forEach(Box::close);
        }
    }

    private FragmentSplitter synthetic() {
        ByteBuf init = alloc.wrap(Mp4.init(trex(1, 500, 0, NON_SYNC), trex(2, 1024, 7, 0)));
        try {
            return new FragmentSplitter(InitSegment.parse(init));
        } finally {
            init.release();
        }
    }

    private List<Fragment> split(FragmentSplitter splitter, byte[] moof, byte[] mdat) {
        ByteBuf m = alloc.wrap(moof);
        ByteBuf d = alloc.wrap(mdat);
        try {
            return splitter.split(m, d, alloc);
        } finally {
            m.release();
            d.release();
        }
    }

    private List<FragmentInfo> inspect(FragmentSplitter splitter, byte[] moof, byte[] mdat) {
        ByteBuf m = alloc.wrap(moof);
        ByteBuf d = alloc.wrap(mdat);
        try {
            return splitter.inspect(m, d);
        } finally {
            m.release();
            d.release();
        }
    }

    private static byte[] bytes(Fragment f) {
        return ByteBufUtil.getBytes(f.content());
    }

    @Test
    void writesExactBytesForEachTrackAndRewritesDataOffsets() {
        byte[] video = cat(pattern(100, 1), pattern(200, 2));
        byte[] audio = cat(pattern(4, 3), pattern(4, 4), pattern(4, 5));
        // Source layout: one moof with both trafs, then one mdat with the video run and then the audio run.
        byte[] sourceMoofTemplate = moof(7,
                traf(tfhd(0x020028, 1, 512, NON_SYNC), tfdt1(1000), trun(0x205, 2, new long[] {0, SYNC}, 100, 200)),
                traf(tfhd(0x020010, 2, 4), tfdt0(3000), trun(0x001, 3, new long[] {0})));
        int moofSize = sourceMoofTemplate.length;
        byte[] sourceMoof = moof(7,
                traf(tfhd(0x020028, 1, 512, NON_SYNC), tfdt1(1000),
                        trun(0x205, 2, new long[] {moofSize + 8, SYNC}, 100, 200)),
                traf(tfhd(0x020010, 2, 4), tfdt0(3000), trun(0x001, 3, new long[] {moofSize + 8 + 300})));
        byte[] sourceMdat = mdat(cat(video, audio));

        int videoMoofSize = moof(7, traf(tfhd(0x020028, 1, 512, NON_SYNC), tfdt1(1000),
                trun(0x205, 2, new long[] {0, SYNC}, 100, 200))).length;
        byte[] expectedVideo = cat(moof(7, traf(tfhd(0x020028, 1, 512, NON_SYNC), tfdt1(1000),
                trun(0x205, 2, new long[] {videoMoofSize + 8, SYNC}, 100, 200))), mdat(video));
        int audioMoofSize = moof(7, traf(tfhd(0x020010, 2, 4), tfdt0(3000), trun(0x001, 3, new long[] {0}))).length;
        byte[] expectedAudio = cat(moof(7, traf(tfhd(0x020010, 2, 4), tfdt0(3000),
                trun(0x001, 3, new long[] {audioMoofSize + 8}))), mdat(audio));

        List<Fragment> out = split(synthetic(), sourceMoof, sourceMdat);
        try {
            assertThat(out).hasSize(2);
            assertThat(bytes(out.get(0))).isEqualTo(expectedVideo);
            assertThat(bytes(out.get(1))).isEqualTo(expectedAudio);
            assertThat(out.get(0).info()).isEqualTo(new FragmentInfo(1, 7, 1000, 1024, 2, true));
            assertThat(out.get(1).info()).isEqualTo(new FragmentInfo(2, 7, 3000, 3072, 3, true));
        } finally {
            out.forEach(Fragment::close);
        }
    }

    @Test
    void mapsAnAbsoluteBaseDataOffsetGivenTheMoofStreamOffset() {
        long moofAt = 5000;
        byte[] samples = pattern(30, 1);
        byte[] template = moof(1, traf(tfhd(0x000001, 1, 0, 0), tfdt1(0), trun(0x300, 3, new long[0], 1, 10, 1, 10,
                1, 10)));
        long base = moofAt + template.length + 8;
        byte[] sourceMoof = moof(1, traf(tfhd(0x000001, 1, base >>> 32, base & 0xFFFF_FFFFL), tfdt1(0),
                trun(0x300, 3, new long[0], 1, 10, 1, 10, 1, 10)));
        ByteBuf m = alloc.wrap(sourceMoof);
        ByteBuf d = alloc.wrap(mdat(samples));
        FragmentSplitter splitter = synthetic();
        try {
            assertThatThrownBy(() -> splitter.split(m, d, alloc)).isInstanceOf(CmafException.class)
                    .hasMessage("'traf' of track 1: tfhd has base_data_offset, an absolute file offset that cannot"
                            + " be mapped without the moof's stream offset");
            List<Fragment> out = splitter.split(m, moofAt, d, alloc);
            try {
                int size = moof(1, traf(tfhd(0x020000, 1), tfdt1(0), trun(0x301, 3, new long[] {0}, 1, 10, 1, 10,
                        1, 10))).length;
                byte[] expected = cat(moof(1, traf(tfhd(0x020000, 1), tfdt1(0),
                        trun(0x301, 3, new long[] {size + 8}, 1, 10, 1, 10, 1, 10))), mdat(samples));
                assertThat(bytes(out.get(0))).isEqualTo(expected);
                // trex default flags of track 1 are non-sync.
                assertThat(out.get(0).info()).isEqualTo(new FragmentInfo(1, 1, 0, 3, 3, false));
            } finally {
                out.forEach(Fragment::close);
            }
        } finally {
            m.release();
            d.release();
        }
    }

    @Test
    void locatesDataOfASecondTrafWithoutBaseFlagsAfterTheFirstTrafsData() {
        // §8.8.7.1: no base_data_offset and no default-base-is-moof: the first traf is based at the moof, later
        // ones at the end of the previous traf's data; a trun without data_offset follows the previous run.
        byte[] template = moof(2, traf(tfhd(0, 1), tfdt0(0), trun(0x201, 2, new long[] {0}, 3, 4)),
                traf(tfhd(0, 2), tfdt0(0), trun(0x200, 1, new long[0], 5), trun(0x200, 1, new long[0], 6)));
        byte[] sourceMoof = moof(2, traf(tfhd(0, 1), tfdt0(0), trun(0x201, 2, new long[] {template.length + 8}, 3, 4)),
                traf(tfhd(0, 2), tfdt0(0), trun(0x200, 1, new long[0], 5), trun(0x200, 1, new long[0], 6)));
        byte[] payload = pattern(18, 4);
        List<Fragment> out = split(synthetic(), sourceMoof, mdat(payload));
        try {
            ByteBuf[] audio = FragmentSplitter.splitMoofMdat(out.get(1).content());
            assertThat(ByteBufUtil.getBytes(audio[1], 8, 11)).isEqualTo(Arrays.copyOfRange(payload, 7, 18));
            // Two runs, each now with an explicit data_offset; durations come from trex (1024 each).
            assertThat(out.get(1).info()).isEqualTo(new FragmentInfo(2, 2, 0, 2048, 2, true));
            int size = audio[0].readableBytes();
            Moof.Parsed parsed = Moof.parse(audio[0], Boxes.header(audio[0], 0, size, "t"));
            assertThat(parsed.trafs().get(0).truns()).extracting(Moof.Trun::dataOffset)
                    .containsExactly(size + 8, size + 8 + 5);
            assertThat(parsed.trafs().get(0).tfhdFlags()).isEqualTo(Moof.TFHD_DEFAULT_BASE_IS_MOOF);
        } finally {
            out.forEach(Fragment::close);
        }
    }

    @Test
    void takesDurationsFromTrunThenTfhdThenTrex() {
        FragmentSplitter splitter = synthetic();
        byte[] payload = pattern(64, 1);
        // Samples of size 0 (tfhd or trex default) need no bytes, so data_offset 0 is in bounds.
        assertThat(inspect(splitter, moof(1, traf(tfhd(0x020010, 2, 0), tfdt0(0),
                trun(0x101, 2, new long[] {0}, 10, 20)), traf(tfhd(0x020008, 1, 33), tfdt0(0),
                trun(0x001, 2, new long[] {0}))), mdat(payload)))
                .extracting(FragmentInfo::duration).containsExactly(30L, 66L);
        assertThat(inspect(splitter, moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x001, 4, new long[] {0}))),
                mdat(payload))).extracting(FragmentInfo::duration).containsExactly(2000L);
    }

    @Test
    void takesTheFirstSampleSyncFlagFromFirstSampleFlagsThenSampleFlagsThenTfhdThenTrex() {
        FragmentSplitter splitter = synthetic();
        byte[] payload = pattern(64, 1);
        // first_sample_flags wins over tfhd defaults.
        assertThat(inspect(splitter, moof(1, traf(tfhd(0x020020, 1, NON_SYNC), tfdt0(0),
                trun(0x005, 2, new long[] {0, SYNC}))), mdat(payload)).get(0).startsWithSync()).isTrue();
        // per-sample flags of sample 0.
        assertThat(inspect(splitter, moof(1, traf(tfhd(0x020020, 1, SYNC), tfdt0(0),
                trun(0x401, 2, new long[] {0}, NON_SYNC, SYNC))), mdat(payload)).get(0).startsWithSync()).isFalse();
        // tfhd default over trex.
        assertThat(inspect(splitter, moof(1, traf(tfhd(0x020020, 1, SYNC), tfdt0(0),
                trun(0x001, 2, new long[] {0}))), mdat(payload)).get(0).startsWithSync()).isTrue();
        // trex of track 1 is NON_SYNC.
        assertThat(inspect(splitter, moof(1, traf(tfhd(0x020000, 1), tfdt0(0),
                trun(0x001, 2, new long[] {0}))), mdat(payload)).get(0).startsWithSync()).isFalse();
    }

    @Test
    void producesNoFragmentForATrafWithoutSamples() {
        byte[] m = moof(1, traf(tfhd(0x020000, 1), tfdt0(0)), traf(tfhd(0x020000, 2), tfdt0(0),
                trun(0x001, 1, new long[] {0})));
        byte[] sourceMoof = moof(1, traf(tfhd(0x020000, 1), tfdt0(0)), traf(tfhd(0x020000, 2), tfdt0(0),
                trun(0x001, 1, new long[] {m.length + 8})));
        List<Fragment> out = split(synthetic(), sourceMoof, mdat(pattern(7, 1)));
        try {
            assertThat(out).extracting(Fragment::trackId).containsExactly(2);
        } finally {
            out.forEach(Fragment::close);
        }
    }

    @Test
    void rejectsATrunWhoseSampleSizesExceedTheMdat() {
        byte[] m = moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x201, 2, new long[] {0}, 100, 200)));
        byte[] sourceMoof = moof(1, traf(tfhd(0x020000, 1), tfdt0(0),
                trun(0x201, 2, new long[] {m.length + 8}, 100, 200)));
        int size = m.length;
        assertThatThrownBy(() -> split(synthetic(), sourceMoof, mdat(pattern(250, 1))))
                .isInstanceOf(CmafException.class)
                .hasMessage("'trun' in 'traf' of track 1 places 2 samples at bytes [" + (size + 8) + ", "
                        + (size + 308) + ") from the moof start, outside the mdat payload [" + (size + 8) + ", "
                        + (size + 258) + ")");
    }

    @Test
    void rejectsADataOffsetPointingIntoTheMoof() {
        byte[] sourceMoof = moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x201, 1, new long[] {0}, 4)));
        assertThatThrownBy(() -> split(synthetic(), sourceMoof, mdat(pattern(4, 1))))
                .isInstanceOf(CmafException.class).hasMessageContaining("outside the mdat payload");
    }

    /** Found by {@code FragmentSplitterFuzzTest}: each run was copied out in full, however many claimed the bytes. */
    @Test
    void rejectsRunsThatClaimTheSameMdatBytesTwice() {
        byte[] m = moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x201, 1, new long[] {0}, 100),
                trun(0x201, 1, new long[] {0}, 100)));
        byte[] twoRuns = moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x201, 1, new long[] {m.length + 8}, 100),
                trun(0x201, 1, new long[] {m.length + 8}, 100)));
        assertThatThrownBy(() -> split(synthetic(), twoRuns, mdat(pattern(100, 1))))
                .isInstanceOf(CmafException.class)
                .hasMessage("'trun' in 'traf' of track 1: the runs of this 'moof' claim 200 bytes, more than the 100"
                        + " of the mdat payload (overlapping runs)");
        byte[] t = moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x201, 1, new long[] {0}, 100)),
                traf(tfhd(0x020000, 2), tfdt0(0), trun(0x201, 1, new long[] {0}, 100)));
        byte[] twoTracks = moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x201, 1, new long[] {t.length + 8}, 100)),
                traf(tfhd(0x020000, 2), tfdt0(0), trun(0x201, 1, new long[] {t.length + 8}, 100)));
        assertThatThrownBy(() -> split(synthetic(), twoTracks, mdat(pattern(100, 1))))
                .isInstanceOf(CmafException.class).hasMessageContaining("overlapping runs");
    }

    @Test
    void rejectsARunWhoseEndOverflowsPastTheLargestOffset() {
        // base_data_offset 2^63 - 16 puts the run's end at 2^63: it must not wrap around and pass as inside the mdat.
        byte[] sourceMoof = moof(1, traf(tfhd(0x000011, 2, 0x7FFF_FFFFL, 0xFFFF_FFF0L, 16), tfdt0(0),
                trun(0x000, 1, new long[0])));
        ByteBuf m = alloc.wrap(sourceMoof);
        ByteBuf d = alloc.wrap(mdat(pattern(16, 1)));
        try {
            assertThatThrownBy(() -> synthetic().split(m, 0, d, alloc)).isInstanceOf(CmafException.class)
                    .hasMessageContaining("outside the mdat payload");
        } finally {
            m.release();
            d.release();
        }
    }

    @Test
    void rejectsRunsWhoseDurationsTogetherOverflow() {
        // Each run alone fits 64 bits ((2^31 - 1) x (2^32 - 1)); their sum does not. Sizes are 0, so no bytes.
        byte[] sourceMoof = moof(1, traf(tfhd(0x020018, 2, 0xFFFF_FFFFL, 0), tfdt0(0),
                trun(0x000, Integer.MAX_VALUE, new long[0]), trun(0x000, Integer.MAX_VALUE, new long[0])));
        assertThatThrownBy(() -> split(synthetic(), sourceMoof, mdat(new byte[0])))
                .isInstanceOf(CmafException.class).hasMessageContaining("overflow");
    }

    @Test
    void rejectsAHugeSampleCountWithoutWalkingIt() {
        byte[] sourceMoof = moof(1, traf(tfhd(0x020000, 2), tfdt0(0), trun(0x001, -2, new long[] {0})));
        assertThatThrownBy(() -> split(synthetic(), sourceMoof, mdat(pattern(4, 1))))
                .isInstanceOf(CmafException.class)
                .hasMessage("'trun' in 'traf' of track 2 declares 4294967294 samples, more than supported");
        byte[] many = moof(1, traf(tfhd(0x020000, 2), tfdt0(0), trun(0x001, Integer.MAX_VALUE, new long[] {0})));
        assertThatThrownBy(() -> split(synthetic(), many, mdat(pattern(4, 1))))
                .isInstanceOf(CmafException.class).hasMessageContaining("outside the mdat payload");
    }

    @Test
    void rejectsATrunTableLongerThanItsBox() {
        byte[] sourceMoof = moof(1, traf(tfhd(0x020000, 1), tfdt0(0), trun(0x201, 5, new long[] {0}, 1, 2)));
        assertThatThrownBy(() -> split(synthetic(), sourceMoof, mdat(pattern(4, 1))))
                .isInstanceOf(CmafException.class)
                .hasMessage("'trun' in 'traf' of track 1 declares 5 samples of 4 bytes each, but only 8 bytes"
                        + " remain");
    }

    @Test
    void rejectsUnknownTracksMissingTfdtAndEncryptedTrafs() {
        FragmentSplitter splitter = synthetic();
        assertThatThrownBy(() -> split(splitter, moof(1, traf(tfhd(0x020000, 9), tfdt0(0))), mdat(new byte[0])))
                .isInstanceOf(CmafException.class)
                .hasMessage("'traf' of track 9: the init segment has no such track");
        assertThatThrownBy(() -> split(splitter, moof(1, traf(tfhd(0x020000, 1))), mdat(new byte[0])))
                .isInstanceOf(CmafException.class)
                .hasMessage("'traf' of track 1 has no 'tfdt': CMAF fragments must carry their decode time");
        assertThatThrownBy(() -> split(splitter, moof(1, traf(tfhd(0x020000, 1), tfdt0(0),
                Mp4.fullBox("saio", 0, 0, Mp4.u32(1, 0)))), mdat(new byte[0])))
                .isInstanceOf(CmafException.class).hasMessageStartingWith("'traf' of track 1 has a 'saio' box");
        assertThatThrownBy(() -> split(splitter, moof(1, traf(tfhd(0x020000, 1), tfdt0(0)),
                traf(tfhd(0x020000, 1), tfdt0(0))), mdat(new byte[0])))
                .isInstanceOf(CmafException.class).hasMessage("'moof' has two 'traf' boxes for track 1");
    }

    @Test
    void rejectsBuffersThatAreNotExactlyOneMoofAndOneMdat() {
        FragmentSplitter splitter = synthetic();
        byte[] m = moof(1, traf(tfhd(0x020000, 1), tfdt0(0)));
        assertThatThrownBy(() -> split(splitter, m, m)).isInstanceOf(CmafException.class)
                .hasMessage("'mdat' buffer holds a 'moof' box");
        assertThatThrownBy(() -> split(splitter, cat(m, mdat(new byte[0])), mdat(new byte[0])))
                .isInstanceOf(CmafException.class)
                .hasMessage("'moof' buffer has 8 bytes after its box; pass exactly one box");
        assertThatThrownBy(() -> split(splitter, new byte[0], mdat(new byte[0]))).isInstanceOf(CmafException.class)
                .hasMessage("'moof' buffer is empty");
        assertThatThrownBy(() -> split(splitter, Mp4.box("moof", Mp4.box("traf")), mdat(new byte[0])))
                .isInstanceOf(CmafException.class).hasMessage("'moof' has no 'mfhd' box");
        ByteBuf lone = alloc.wrap(m);
        try {
            assertThatThrownBy(() -> splitter.inspect(lone)).isInstanceOf(CmafException.class)
                    .hasMessage("a fragment must be exactly one 'moof' and one 'mdat', found [moof]");
        } finally {
            lone.release();
        }
    }

    @Test
    void neverThrowsAnythingButCmafExceptionWhenAnyMoofByteOfADemoFragmentIsCorrupted() {
        List<Box> boxes = boxes(alloc, DemoClip.bytes());
        try {
            ByteBuf init = alloc.buffer();
            init.writeBytes(boxes.get(0).content().duplicate()).writeBytes(boxes.get(1).content().duplicate());
            FragmentSplitter splitter = new FragmentSplitter(InitSegment.parse(init));
            init.release();
            byte[] moof = ByteBufUtil.getBytes(boxes.get(2).content());
            ByteBuf mdat = boxes.get(3).content();
            for (int i = 0; i < moof.length; i++) {
                for (int value : new int[] {0x00, 0xFF, 0x80, 0x01}) {
                    byte[] corrupt = moof.clone();
                    corrupt[i] = (byte) value;
                    ByteBuf m = alloc.wrap(corrupt);
                    try {
                        splitter.split(m, mdat, alloc).forEach(Fragment::close);
                    } catch (CmafException expected) {
                        assertThat(expected.getMessage()).isNotBlank();
                    } finally {
                        m.release();
                    }
                }
            }
        } finally {
            boxes.forEach(Box::close);
        }
    }
}
