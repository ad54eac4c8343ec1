package dev.treecast.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.ingest.hang.HangPackager;
import dev.treecast.media.Clip;
import dev.treecast.media.Fragment;
import dev.treecast.media.Track;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Replays a short CMAF clip as an endless live stream, the way an encoder would: each fragment is released when
 * its media time has passed (a fragment exists only once its last sample is captured), and on every loop the decode
 * times move on by the clip's length so the player sees one continuous timeline.
 */
public final class ClipSource implements AutoCloseable {
    /** The clip committed with the build (see {@code clips/README.md}). */
    public static final String DEMO_CLIP = "/clips/demo.mp4";

    private static final Logger LOG = LoggerFactory.getLogger(ClipSource.class);

    private final BroadcastPublisher publisher;
    private final Clip clip;
    private final ByteBufAllocator alloc;
    private final List<Scheduled> schedule = new ArrayList<>();
    private final Catalog.Built catalog;
    private final long loopNanos;
    private final ScheduledExecutorService timer;
    private final HangPackager hang;
    private long startNanos;
    private long loop;
    private int position;
    private long sequence = 1;

    /** A fragment and when, within one pass of the clip, it is released. */
    private record Scheduled(Fragment fragment, String track, long releaseNanos) {
    }

    ClipSource(BroadcastPublisher publisher, Clip clip, ByteBufAllocator alloc) {
        if (!publisher.tryAcquire()) {
            clip.close();
            throw new IllegalStateException("broadcast " + publisher.broadcast() + " already has a source");
        }
        this.publisher = publisher;
        this.clip = clip;
        this.alloc = alloc;
        this.catalog = Catalog.build(publisher.broadcast(), clip.init(), clip::initSegment);
        long first = Long.MAX_VALUE;
        for (Fragment f : clip.fragments()) {
            first = Math.min(first, nanos(f, f.info().baseMediaDecodeTime()));
        }
        for (Fragment f : clip.fragments()) {
            String track = catalog.namesByTrackId().get(f.trackId());
            if (track != null) {
                schedule.add(new Scheduled(f, track, nanos(f, f.info().endDecodeTime()) - first));
            }
        }
        schedule.sort(Comparator.comparingLong(Scheduled::releaseNanos));
        this.loopNanos = Math.round(clip.loopSeconds() * 1e9);
        publisher.publishCatalog(catalog.json(), catalog.names(), catalog.driver());
        this.hang = new HangPackager(new HangSink(publisher), alloc);
        hang.init(clip.init(), clip::initSegment, catalog.namesByTrackId(), jitterMillis(clip));
        this.timer = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("clip-" + publisher.broadcast(), true));
        this.startNanos = System.nanoTime();
        timer.execute(this::releaseDue);
        LOG.info("playing a {} s clip in a loop as broadcast '{}' (tracks {})",
                String.format("%.2f", clip.loopSeconds()), publisher.broadcast(), catalog.names());
    }

    /** Loads the clip from the classpath (e.g. {@link #DEMO_CLIP}). */
    static Clip loadResource(String resource, ByteBufAllocator alloc) {
        try (InputStream in = ClipSource.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no clip " + resource + " on the classpath");
            }
            ByteBuf file = Unpooled.wrappedBuffer(in.readAllBytes());
            return Clip.load(file, alloc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read clip " + resource, e);
        }
    }

    /**
     * Each track's longest fragment in milliseconds (rounded up): a fragment is released when its last sample is
     * due, so its first sample waits that long. Hang players buffer that much.
     */
    static Map<Integer, Long> jitterMillis(Clip clip) {
        Map<Integer, Long> jitter = new HashMap<>();
        for (Fragment f : clip.fragments()) {
            long timescale = clip.init().track(f.trackId()).timescale();
            long millis = (f.info().duration() * 1000 + timescale - 1) / timescale;
            jitter.merge(f.trackId(), millis, Math::max);
        }
        return jitter;
    }

    private long nanos(Fragment fragment, long decodeTime) {
        Track track = clip.init().track(fragment.trackId());
        return Math.round(decodeTime * 1e9 / track.timescale());
    }

    /** Publishes every fragment whose time has come, then sleeps until the next one. */
    private void releaseDue() {
        try {
            long now = System.nanoTime();
            while (true) {
                Scheduled next = schedule.get(position);
                long due = startNanos + loop * loopNanos + next.releaseNanos();
                if (due > now) {
                    timer.schedule(this::releaseDue, due - now, TimeUnit.NANOSECONDS);
                    return;
                }
                ByteBuf content = clip.replay(next.fragment(), loop, sequence++, alloc);
                try {
                    publisher.publish(next.track(), next.fragment().info().startsWithSync(), content);
                    hang.fragment(next.fragment().trackId(), content);
                } finally {
                    content.release();
                }
                if (++position == schedule.size()) {
                    position = 0;
                    loop++;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("clip source for '{}' stopped", publisher.broadcast(), e);
        }
    }

    public String broadcast() {
        return publisher.broadcast();
    }

    @Override
    public void close() {
        publisher.stopSource(timer);
        clip.close();
    }
}
