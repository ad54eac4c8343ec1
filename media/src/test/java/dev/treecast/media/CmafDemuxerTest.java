package dev.treecast.media;

import static dev.treecast.media.Mp4.box;
import static dev.treecast.media.Mp4.mdat;
import static dev.treecast.media.Mp4.moof;
import static dev.treecast.media.Mp4.tfdt1;
import static dev.treecast.media.Mp4.tfhd;
import static dev.treecast.media.Mp4.traf;
import static dev.treecast.media.Mp4.trun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CmafDemuxerTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private static final byte[] MOOF = moof(1, traf(tfhd(0x020000, 1), tfdt1(0), trun(0x001, 1, new long[] {0})));
    private static final byte[] MDAT = mdat(new byte[0]);

    /** Feeds each byte array as one chunk and closes every fragment produced; returns their track ids. */
    private List<Integer> run(CmafDemuxer demuxer, byte[]... stream) {
        List<Integer> tracks = new ArrayList<>();
        try (BoxReader reader = new BoxReader(alloc)) {
            for (byte[] chunk : stream) {
                List<Box> boxes = reader.feed(alloc.wrap(chunk));
                int next = 0;
                try {
                    while (next < boxes.size()) {
                        for (Fragment f : demuxer.accept(boxes.get(next++))) {
                            tracks.add(f.trackId());
                            f.close();
                        }
                    }
                } finally {
                    for (int i = next; i < boxes.size(); i++) {
                        boxes.get(i).close();
                    }
                }
            }
            reader.finish();
            demuxer.finish();
        }
        return tracks;
    }

    @Test
    void splitsEachMoofWithTheMdatAfterItAndIgnoresOtherBoxes() {
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            assertThat(demuxer.init()).isNull();
            assertThat(run(demuxer, Mp4.init(), box("styp", Mp4.ascii("cmfs")), MOOF, MDAT, box("free"), MOOF,
                    MDAT)).containsExactly(1, 1);
            assertThat(demuxer.init().tracks()).extracting(Track::trackId).containsExactly(1, 2);
            // Owned by the demuxer: not released here, released by close().
            assertThat(InitSegment.parse(demuxer.trackInitSegment(2)).tracks()).extracting(Track::trackId)
                    .containsExactly(2);
            assertThatThrownBy(() -> demuxer.trackInitSegment(3)).isInstanceOf(CmafException.class)
                    .hasMessage("init segment has no track 3");
        }
    }

    @Test
    void aNewInitSegmentMidStreamReplacesTheOldOneAndReleasesIt() {
        byte[] videoOnly = Mp4.cat(Mp4.ftyp(), box("moov", Mp4.mvhd(),
                Mp4.trak(1, "vide", 90000, 320, 180, Mp4.avc1(320, 180, 0x42, 0xC0, 0x1E)),
                box("mvex", Mp4.trex(1, 0, 0, 0))));
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            assertThat(run(demuxer, Mp4.init(), MOOF, MDAT, videoOnly, MOOF, MDAT)).containsExactly(1, 1);
            assertThat(demuxer.init().tracks()).extracting(Track::codec).containsExactly("avc1.42C01E");
            assertThatThrownBy(() -> demuxer.trackInitSegment(2)).isInstanceOf(CmafException.class);
        }
    }

    /**
     * Found by {@code CmafDemuxerFuzzTest}: with two traks of one track_ID, the per-track init segment of the first was
     * overwritten by the second's (the catalog got the wrong one) and never released.
     */
    @Test
    void refusesAMoovWithTwoTraksOfOneTrackIdAndLeaksNothing() {
        byte[] twoTrackOnes = Mp4.cat(Mp4.ftyp(), box("moov", Mp4.mvhd(),
                Mp4.trak(1, "vide", 90000, 320, 180, Mp4.avc1(320, 180, 0x42, 0xC0, 0x1E)),
                Mp4.trak(1, "vide", 90000, 640, 360, Mp4.avc1(640, 360, 0x42, 0xC0, 0x1E)),
                box("mvex", Mp4.trex(1, 0, 0, 0))));
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            assertThatThrownBy(() -> run(demuxer, twoTrackOnes)).isInstanceOf(CmafException.class)
                    .hasMessage("'moov' has two 'trak' boxes for track 1");
            assertThat(demuxer.init()).isNull();
        }
    }

    @Test
    void rejectsAMoofFollowedByAnotherMoofInsteadOfItsMdat() {
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            int at = Mp4.init().length;
            assertThatThrownBy(() -> run(demuxer, Mp4.init(), MOOF, MOOF, MDAT)).isInstanceOf(CmafException.class)
                    .hasMessage("'moof' at stream offset " + at + " is followed by 'moof' instead of its 'mdat'");
        }
    }

    @Test
    void rejectsAStreamThatEndsAfterAMoofWithoutItsMdat() {
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            int at = Mp4.init().length;
            assertThatThrownBy(() -> run(demuxer, Mp4.init(), MOOF)).isInstanceOf(CmafException.class)
                    .hasMessage("stream ended after the 'moof' at stream offset " + at + " without its 'mdat'");
        }
    }

    @Test
    void rejectsAnMdatWithoutMoofAndAMoofBeforeTheInitSegment() {
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            int at = Mp4.init().length;
            assertThatThrownBy(() -> run(demuxer, Mp4.init(), MDAT)).isInstanceOf(CmafException.class)
                    .hasMessage("'mdat' at stream offset " + at + " does not follow a 'moof' (is this a fragmented"
                            + " stream?)");
        }
        try (CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            assertThatThrownBy(() -> run(demuxer, MOOF, MDAT)).isInstanceOf(CmafException.class)
                    .hasMessage("'moof' at stream offset 0 arrived before any 'moov' (no init segment)");
            assertThatThrownBy(() -> demuxer.trackInitSegment(1)).isInstanceOf(CmafException.class);
        }
    }
}
