package dev.treecast.media.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.media.Box;
import dev.treecast.media.BoxReader;
import dev.treecast.media.CmafDemuxer;
import dev.treecast.media.CmafException;
import dev.treecast.media.Fragment;
import dev.treecast.media.InitSegment;
import dev.treecast.media.Track;

/**
 * A whole live CMAF upload, as the ingest's {@code CmafPackager} reads it ({@link BoxReader} into
 * {@link CmafDemuxer}), against any bytes split anywhere: fragments come out or a {@link CmafException} is thrown,
 * never another exception; every init segment's per-track init segments parse back to exactly that track; every
 * fragment passes {@link FragmentChecks}; nothing leaks, on success or failure.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CmafDemuxerFuzzTest {
    private static final int MAX_BOX_SIZE = 1 << 16;

    @FuzzTest
    void demux(byte[] input) {
        Chunks chunks = Chunks.of(input);
        FuzzAllocator alloc = new FuzzAllocator();
        try (BoxReader reader = new BoxReader(alloc, MAX_BOX_SIZE); CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            InitSegment checked = null;
            for (byte[] part : chunks.parts()) {
                List<Box> boxes = reader.feed(alloc.wrap(part));
                int next = 0;
                try {
                    while (next < boxes.size()) {
                        Box box = boxes.get(next++);
                        long mdatPayload = box.size() - box.headerLength();
                        List<Fragment> fragments = demuxer.accept(box);
                        try {
                            if (demuxer.init() != checked) {
                                checked = demuxer.init();
                                if (checked != null) {
                                    checkTrackInits(demuxer, checked);
                                }
                            }
                            if (!fragments.isEmpty()) {
                                FragmentChecks.check(checked, fragments, mdatPayload, alloc);
                            }
                        } finally {
                            fragments.forEach(Fragment::close);
                        }
                    }
                } finally {
                    while (next < boxes.size()) {
                        boxes.get(next++).close();
                    }
                }
            }
            reader.finish();
            demuxer.finish();
        } catch (CmafException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
        alloc.assertAllReleased();
    }

    private static void checkTrackInits(CmafDemuxer demuxer, InitSegment init) {
        for (Track track : init.tracks()) {
            InitSegment own = InitSegment.parse(demuxer.trackInitSegment(track.trackId()));
            assertThat(own.tracks()).containsExactly(track);
        }
    }
}
