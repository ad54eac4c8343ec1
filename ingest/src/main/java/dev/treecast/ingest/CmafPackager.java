package dev.treecast.ingest;

import java.util.List;

import dev.treecast.ingest.hang.HangPackager;
import dev.treecast.media.Box;
import dev.treecast.media.BoxReader;
import dev.treecast.media.CmafDemuxer;
import dev.treecast.media.Fragment;
import dev.treecast.media.InitSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Packages one live CMAF upload (ffmpeg's {@code -f mp4 -movflags cmaf+frag_keyframe+empty_moov+default_base_moof}
 * over chunked HTTP) into a broadcast: the init segment goes into the catalog, each moof+mdat is split per track
 * and each per-track fragment becomes one object; a video fragment that starts with a keyframe starts a group.
 * The same fragments also feed the hang tracks ({@link HangPackager}, {@code docs/hang.md}).
 * Fed chunks as they arrive, split anywhere. Not thread-safe: one upload, one thread.
 */
final class CmafPackager implements AutoCloseable {
    private final BroadcastPublisher publisher;
    private final BoxReader reader;
    private final CmafDemuxer demuxer;
    private final HangPackager hang;
    private InitSegment published;
    private Catalog.Built catalog;

    CmafPackager(BroadcastPublisher publisher, ByteBufAllocator alloc, int maxBoxSize) {
        this.publisher = publisher;
        this.reader = new BoxReader(alloc, maxBoxSize);
        this.demuxer = new CmafDemuxer(alloc);
        this.hang = new HangPackager(new HangSink(publisher), alloc);
    }

    /**
     * Consumes a chunk of the upload (does not take ownership).
     *
     * @throws dev.treecast.media.CmafException when the stream is not well-formed CMAF
     */
    void feed(ByteBuf chunk) {
        // The reader takes ownership of what it is fed; our caller keeps its own reference.
        List<Box> boxes = reader.feed(chunk.retain());
        int next = 0;
        try {
            while (next < boxes.size()) {
                accept(boxes.get(next++));
            }
        } finally {
            while (next < boxes.size()) {
                boxes.get(next++).close();
            }
        }
    }

    private void accept(Box box) {
        List<Fragment> fragments = demuxer.accept(box);
        try {
            InitSegment init = demuxer.init();
            if (init != null && init != published) {
                catalog = Catalog.build(publisher.broadcast(), init, demuxer::trackInitSegment);
                publisher.publishCatalog(catalog.json(), catalog.names(), catalog.driver());
                hang.init(init, demuxer::trackInitSegment, catalog.namesByTrackId(), null);
                published = init;
            }
            for (Fragment fragment : fragments) {
                String track = catalog.namesByTrackId().get(fragment.trackId());
                if (track != null) {
                    publisher.publish(track, fragment.info().startsWithSync(), fragment.content());
                }
            }
            // After the CMAF objects: a keyframe has opened the group the hang frames join.
            hang.fragments(fragments);
        } finally {
            fragments.forEach(Fragment::close);
        }
    }

    /** The upload ended: anything left half-read is an error. */
    void finish() {
        reader.finish();
        demuxer.finish();
    }

    @Override
    public void close() {
        reader.close();
        demuxer.close();
    }
}
