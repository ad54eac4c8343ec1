package dev.treecast.media;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A whole fragmented MP4 (CMAF) file loaded for replay in a loop as a live stream: per-track init segments, the
 * per-track fragments in file order with their timing, and each track's loop duration.
 *
 * <p>Replaying loop {@code n} means sending every fragment with its decode time increased by
 * {@code n * loopDuration(track)} (see {@link #replay}). {@link #load} checks that this is gapless and keeps audio
 * and video in sync forever: within each track the fragments must be contiguous (each starts where the previous
 * one ended) and the first one must start with a sync sample; and every track's loop must have exactly the same
 * wall-clock length ({@code loopDuration / timescale} equal as exact fractions). A clip that does not meet this is
 * rejected with a {@link CmafException} rather than replayed with a drift.
 *
 * <p>Ownership: the clip owns its init segments and fragments. Buffers returned by {@link #initSegment} and the
 * fragments in {@link #fragments()} stay valid until {@link #close()}; retain or copy them to keep them longer, and
 * do not close or release them. Immutable after loading, so reading from several threads is safe as long as
 * nobody closes it meanwhile.
 */
public final class Clip implements AutoCloseable {
    private final InitSegment init;
    private final Map<Integer, ByteBuf> initSegments;
    private final List<Fragment> fragments;
    private final Map<Integer, List<Fragment>> byTrack;
    private final Map<Integer, Long> loopDurations;
    private boolean closed;

    private Clip(InitSegment init, Map<Integer, ByteBuf> initSegments, List<Fragment> fragments,
            Map<Integer, List<Fragment>> byTrack, Map<Integer, Long> loopDurations) {
        this.init = init;
        this.initSegments = initSegments;
        this.fragments = fragments;
        this.byTrack = byTrack;
        this.loopDurations = loopDurations;
    }

    /** Loads a clip with the {@link BoxReader#DEFAULT_MAX_BOX_SIZE default} box size limit. */
    public static Clip load(ByteBuf file, ByteBufAllocator alloc) {
        return load(file, alloc, BoxReader.DEFAULT_MAX_BOX_SIZE);
    }

    /**
     * Loads a clip from the readable bytes of {@code file}: a complete fragmented MP4 with one {@code ftyp} +
     * {@code moov} and then {@code moof} + {@code mdat} pairs.
     *
     * <p>Ownership: {@code file} is only read (indexes unchanged, not released); the fragments are sliced from it
     * and copied into buffers allocated from {@code alloc}, owned by the returned clip.
     *
     * @throws CmafException if the file is malformed, has no fragments for a track, or cannot loop seamlessly
     */
    public static Clip load(ByteBuf file, ByteBufAllocator alloc, int maxBoxSize) {
        List<Fragment> fragments = new ArrayList<>();
        Map<Integer, ByteBuf> initSegments = new LinkedHashMap<>();
        InitSegment init;
        try (BoxReader reader = new BoxReader(alloc, maxBoxSize); CmafDemuxer demuxer = new CmafDemuxer(alloc)) {
            List<Box> boxes = reader.feed(file.retainedSlice());
            int next = 0;
            try {
                while (next < boxes.size()) {
                    // accept() takes ownership of the box, also when it throws.
                    fragments.addAll(demuxer.accept(boxes.get(next++)));
                }
            } finally {
                for (int i = next; i < boxes.size(); i++) {
                    boxes.get(i).close();
                }
            }
            reader.finish();
            demuxer.finish();
            init = demuxer.init();
            if (init == null) {
                throw new CmafException("clip has no 'moov' (no init segment)");
            }
            for (Track t : init.tracks()) {
                initSegments.put(t.trackId(), demuxer.trackInitSegment(t.trackId()).retainedDuplicate());
            }
            return assemble(init, initSegments, fragments);
        } catch (RuntimeException e) {
            fragments.forEach(Fragment::close);
            initSegments.values().forEach(ByteBuf::release);
            throw e;
        }
    }

    private static Clip assemble(InitSegment init, Map<Integer, ByteBuf> initSegments, List<Fragment> fragments) {
        Map<Integer, List<Fragment>> byTrack = new LinkedHashMap<>();
        for (Track t : init.tracks()) {
            byTrack.put(t.trackId(), new ArrayList<>());
        }
        for (Fragment f : fragments) {
            byTrack.get(f.trackId()).add(f);
        }
        Map<Integer, Long> loop = new LinkedHashMap<>();
        Track reference = null;
        for (Track t : init.tracks()) {
            List<Fragment> list = byTrack.get(t.trackId());
            String where = "clip track " + t.trackId() + " (" + t.handler() + ")";
            if (list.isEmpty()) {
                throw new CmafException(where + " has no samples");
            }
            if (!list.get(0).info().startsWithSync()) {
                throw new CmafException(where + ": the first fragment does not start with a sync sample, so a"
                        + " loop cannot restart there");
            }
            for (int i = 1; i < list.size(); i++) {
                FragmentInfo prev = list.get(i - 1).info();
                FragmentInfo cur = list.get(i).info();
                if (cur.baseMediaDecodeTime() != prev.endDecodeTime()) {
                    throw new CmafException(where + ": fragment " + i + " starts at decode time "
                            + cur.baseMediaDecodeTime() + " but the previous one ends at " + prev.endDecodeTime()
                            + " (gap or overlap)");
                }
            }
            long duration = list.get(list.size() - 1).info().endDecodeTime() - list.get(0).info()
                    .baseMediaDecodeTime();
            loop.put(t.trackId(), duration);
            if (reference == null) {
                reference = t;
            } else if (!sameWallClock(duration, t.timescale(), loop.get(reference.trackId()),
                    reference.timescale())) {
                throw new CmafException("clip tracks differ in length: track " + reference.trackId() + " lasts "
                        + loop.get(reference.trackId()) + "/" + reference.timescale() + " s but track "
                        + t.trackId() + " lasts " + duration + "/" + t.timescale()
                        + " s; replaying them in a loop would drift out of sync");
            }
        }
        Map<Integer, List<Fragment>> frozen = new LinkedHashMap<>();
        byTrack.forEach((id, list) -> frozen.put(id, List.copyOf(list)));
        return new Clip(init, Collections.unmodifiableMap(initSegments), List.copyOf(fragments),
                Collections.unmodifiableMap(frozen), Collections.unmodifiableMap(loop));
    }

    private static boolean sameWallClock(long d1, long ts1, long d2, long ts2) {
        return BigInteger.valueOf(d1).multiply(BigInteger.valueOf(ts2))
                .equals(BigInteger.valueOf(d2).multiply(BigInteger.valueOf(ts1)));
    }

    /** The clip's tracks and their codecs. */
    public InitSegment init() {
        return init;
    }

    /** The standalone init segment of one track (owned by the clip; see the class comment). */
    public ByteBuf initSegment(int trackId) {
        ByteBuf b = initSegments.get(trackId);
        if (b == null) {
            throw new CmafException("clip has no track " + trackId);
        }
        return b;
    }

    /** Every single-track fragment in file order (owned by the clip). */
    public List<Fragment> fragments() {
        return fragments;
    }

    /** The fragments of one track in decode order (owned by the clip). */
    public List<Fragment> fragments(int trackId) {
        List<Fragment> list = byTrack.get(trackId);
        if (list == null) {
            throw new CmafException("clip has no track " + trackId);
        }
        return list;
    }

    /**
     * How far one loop advances the decode time of {@code trackId}, in that track's timescale: the sum of the
     * durations of its fragments. The same wall-clock length for every track.
     */
    public long loopDuration(int trackId) {
        Long d = loopDurations.get(trackId);
        if (d == null) {
            throw new CmafException("clip has no track " + trackId);
        }
        return d;
    }

    /** The loop length in seconds (the same for every track). */
    public double loopSeconds() {
        Track t = init.tracks().get(0);
        return (double) loopDuration(t.trackId()) / t.timescale();
    }

    /**
     * A copy of {@code fragment} (one of this clip's) as it must be sent in loop {@code loopIndex} (0 for the first
     * pass): decode time {@code baseMediaDecodeTime + loopIndex * loopDuration(track)}, mfhd sequence number
     * {@code sequenceNumber}. The caller owns the returned buffer, allocated from {@code alloc}.
     */
    public ByteBuf replay(Fragment fragment, long loopIndex, long sequenceNumber, ByteBufAllocator alloc) {
        if (loopIndex < 0) {
            throw new IllegalArgumentException("loopIndex is negative: " + loopIndex);
        }
        long decodeTime;
        try {
            decodeTime = Math.addExact(fragment.info().baseMediaDecodeTime(),
                    Math.multiplyExact(loopIndex, loopDuration(fragment.trackId())));
        } catch (ArithmeticException e) {
            throw new CmafException("decode time of loop " + loopIndex + " overflows 64 bits", e);
        }
        return FragmentRewriter.rewrite(fragment.content(), decodeTime, sequenceNumber, alloc);
    }

    /** Releases every init segment and fragment of the clip. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        initSegments.values().forEach(ByteBuf::release);
        fragments.forEach(Fragment::close);
    }
}
