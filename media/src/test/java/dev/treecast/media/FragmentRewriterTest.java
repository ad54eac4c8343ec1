package dev.treecast.media;

import static dev.treecast.media.Mp4.cat;
import static dev.treecast.media.Mp4.mdat;
import static dev.treecast.media.Mp4.moof;
import static dev.treecast.media.Mp4.pattern;
import static dev.treecast.media.Mp4.tfdt0;
import static dev.treecast.media.Mp4.tfdt1;
import static dev.treecast.media.Mp4.tfhd;
import static dev.treecast.media.Mp4.traf;
import static dev.treecast.media.Mp4.trun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FragmentRewriterTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private byte[] rewrite(byte[] fragment, long decodeTime, long sequence) {
        ByteBuf in = alloc.wrap(fragment);
        try {
            ByteBuf out = FragmentRewriter.rewrite(in, decodeTime, sequence, alloc);
            try {
                assertThat(in.readerIndex()).isZero();
                return ByteBufUtil.getBytes(out);
            } finally {
                out.release();
            }
        } finally {
            in.release();
        }
    }

    private static FragmentSplitter splitter() {
        ByteBuf init = new TrackingAllocator().wrap(Mp4.init());
        try {
            return new FragmentSplitter(InitSegment.parse(init));
        } finally {
            init.release();
        }
    }

    private FragmentInfo inspect(byte[] fragment) {
        ByteBuf buf = alloc.wrap(fragment);
        try {
            List<FragmentInfo> infos = splitter().inspect(buf);
            assertThat(infos).hasSize(1);
            return infos.get(0);
        } finally {
            buf.release();
        }
    }

    /** The first video and audio fragments of the demo clip, split. */
    private byte[][] demoFragments() {
        List<Box> boxes = FragmentSplitterTest.boxes(alloc, DemoClip.bytes());
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            for (int i = 0; i < 3; i++) {
                assertThat(demuxer.accept(boxes.get(i))).isEmpty();
            }
            List<Fragment> out = demuxer.accept(boxes.get(3));
            try {
                return new byte[][] {ByteBufUtil.getBytes(out.get(0).content()),
                        ByteBufUtil.getBytes(out.get(1).content())};
            } finally {
                out.forEach(Fragment::close);
            }
        } finally {
            for (int i = 4; i < boxes.size(); i++) {
                boxes.get(i).close();
            }
        }
    }

    @Test
    void rewritingToTheSameValuesIsByteIdenticalForAVersion1Tfdt() {
        for (byte[] fragment : demoFragments()) {
            FragmentInfo info = inspect(fragment);
            assertThat(rewrite(fragment, info.baseMediaDecodeTime(), info.sequenceNumber())).isEqualTo(fragment);
        }
    }

    @Test
    void replacesDecodeTimeAndSequenceNumberAndKeepsSamplesAndTiming() {
        for (byte[] fragment : demoFragments()) {
            FragmentInfo before = inspect(fragment);
            long shifted = 123_456_789_012L;
            byte[] out = rewrite(fragment, shifted, 4_000_000_000L);
            assertThat(out).hasSameSizeAs(fragment);
            assertThat(inspect(out)).isEqualTo(new FragmentInfo(before.trackId(), 4_000_000_000L, shifted,
                    before.duration(), before.sampleCount(), before.startsWithSync()));
            // Round trip back to the original values restores the original bytes.
            assertThat(rewrite(out, before.baseMediaDecodeTime(), before.sequenceNumber())).isEqualTo(fragment);
        }
    }

    @Test
    void upgradesAVersion0TfdtTo64BitsAndShiftsTheDataOffset() {
        byte[] samples = pattern(10, 3);
        int moofSize = moof(3, traf(tfhd(0x020000, 1), tfdt0(100), trun(0x201, 2, new long[] {0}, 4, 6))).length;
        byte[] source = cat(moof(3, traf(tfhd(0x020000, 1), tfdt0(100),
                trun(0x201, 2, new long[] {moofSize + 8}, 4, 6))), mdat(samples));
        byte[] expected = cat(moof(42, traf(tfhd(0x020000, 1), tfdt1(1L << 40),
                trun(0x201, 2, new long[] {moofSize + 4 + 8}, 4, 6))), mdat(samples));
        assertThat(rewrite(source, 1L << 40, 42)).isEqualTo(expected);
        assertThat(inspect(expected)).isEqualTo(new FragmentInfo(1, 42, 1L << 40, 0, 2, true));
    }

    @Test
    void insertsATfdtAfterTfhdWhenThereIsNone() {
        byte[] samples = pattern(10, 3);
        int moofSize = moof(3, traf(tfhd(0x020000, 1), trun(0x201, 2, new long[] {0}, 4, 6))).length;
        byte[] source = cat(moof(3, traf(tfhd(0x020000, 1), trun(0x201, 2, new long[] {moofSize + 8}, 4, 6))),
                mdat(samples));
        byte[] expected = cat(moof(3, traf(tfhd(0x020000, 1), tfdt1(77),
                trun(0x201, 2, new long[] {moofSize + 20 + 8}, 4, 6))), mdat(samples));
        assertThat(rewrite(source, 77, 3)).isEqualTo(expected);
    }

    @Test
    void rejectsMultiTrackFragmentsAndAbsoluteBaseDataOffsets() {
        byte[] twoTracks = cat(moof(1, traf(tfhd(0x020000, 1), tfdt0(0)), traf(tfhd(0x020000, 2), tfdt0(0))),
                mdat(new byte[0]));
        assertThatThrownBy(() -> rewrite(twoTracks, 0, 1)).isInstanceOf(CmafException.class)
                .hasMessage("rewrite needs a single-track fragment, but its 'moof' has 2 'traf' boxes (split it"
                        + " first)");
        byte[] absolute = cat(moof(1, traf(tfhd(0x000001, 1, 0, 100), tfdt0(0))), mdat(new byte[0]));
        assertThatThrownBy(() -> rewrite(absolute, 0, 1)).isInstanceOf(CmafException.class)
                .hasMessageStartingWith("'traf' of track 1: tfhd has an absolute base_data_offset");
    }

    @Test
    void rejectsAMoofWithoutMdatAndTruncatedOrGarbageInput() {
        byte[] moofOnly = moof(1, traf(tfhd(0x020000, 1), tfdt0(0)));
        assertThatThrownBy(() -> rewrite(moofOnly, 0, 1)).isInstanceOf(CmafException.class)
                .hasMessage("a fragment must be exactly one 'moof' and one 'mdat', found [moof]");
        byte[] fragment = demoFragments()[0];
        byte[] truncated = java.util.Arrays.copyOf(fragment, fragment.length - 1);
        assertThatThrownBy(() -> rewrite(truncated, 0, 1)).isInstanceOf(CmafException.class)
                .hasMessageContaining("box 'mdat' in fragment declares size");
        assertThatThrownBy(() -> rewrite(pattern(100, 5), 0, 1)).isInstanceOf(CmafException.class);
    }

    @Test
    void rejectsOutOfRangeArguments() {
        byte[] fragment = demoFragments()[1];
        assertThatThrownBy(() -> rewrite(fragment, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rewrite(fragment, 0, 1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }
}
