package dev.treecast.media;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Turns the top-level boxes of a fragmented MP4 stream (from a {@link BoxReader}) into an {@link InitSegment} and
 * single-track {@link Fragment}s: {@code ftyp} + {@code moov} make the init segment, and each {@code moof} with the
 * {@code mdat} right after it is {@link FragmentSplitter split} per track. Other top-level boxes ({@code styp},
 * {@code sidx}, {@code prft}, {@code emsg}, {@code free}, {@code mfra}, ...) are ignored. A new {@code ftyp} or
 * {@code moov} replaces the init segment (an encoder restart).
 *
 * <p>Not thread-safe. Owns the init segment and the per-track init segments (see {@link #trackInitSegment}) until
 * the next {@code moov} or {@link #close()}.
 */
public final class CmafDemuxer implements AutoCloseable {
    private final ByteBufAllocator alloc;
    private Box ftyp;
    private final Map<Integer, ByteBuf> trackInits = new LinkedHashMap<>();
    private InitSegment init;
    private FragmentSplitter splitter;
    private Box pendingMoof;

    /** A demuxer whose outputs are allocated from {@code alloc}. */
    public CmafDemuxer(ByteBufAllocator alloc) {
        if (alloc == null) {
            throw new IllegalArgumentException("alloc is null");
        }
        this.alloc = alloc;
    }

    /**
     * Consumes one top-level box and returns the single-track fragments it completed (an {@code mdat} completes the
     * {@code moof} before it; every other box completes none).
     *
     * <p>Ownership: takes ownership of {@code box} (closes it, also on error). The caller owns the returned
     * fragments and must close each.
     *
     * @throws CmafException on a malformed box, a {@code moof} before any {@code moov}, a {@code moof} not followed
     *     by an {@code mdat}, or an {@code mdat} without a {@code moof}
     */
    public List<Fragment> accept(Box box) {
        boolean owned = true;
        try {
            int type = box.typeCode();
            if (type == Fourcc.FTYP) {
                requireNoPendingMoof(box);
                releaseInit();
                ftyp = box;
                owned = false;
                return List.of();
            }
            if (type == Fourcc.MOOV) {
                requireNoPendingMoof(box);
                if (ftyp == null) {
                    throw new CmafException("'moov' at stream offset " + box.streamOffset()
                            + " is not preceded by an 'ftyp'");
                }
                ByteBuf bytes = alloc.buffer(ftyp.size() + box.size());
                Map<Integer, ByteBuf> perTrack = new LinkedHashMap<>();
                try {
                    bytes.writeBytes(ftyp.content(), ftyp.content().readerIndex(), ftyp.size());
                    bytes.writeBytes(box.content(), box.content().readerIndex(), box.size());
                    InitSegment parsed = InitSegment.parse(bytes);
                    for (Track t : parsed.tracks()) {
                        perTrack.put(t.trackId(), InitSegment.extractTrack(bytes, t.trackId(), alloc));
                    }
                    releaseTrackInits();
                    trackInits.putAll(perTrack);
                    init = parsed;
                    splitter = new FragmentSplitter(parsed);
                } catch (RuntimeException e) {
                    perTrack.values().forEach(ByteBuf::release);
                    throw e;
                } finally {
                    bytes.release();
                }
                return List.of();
            }
            if (type == Fourcc.MOOF) {
                requireNoPendingMoof(box);
                if (splitter == null) {
                    throw new CmafException("'moof' at stream offset " + box.streamOffset()
                            + " arrived before any 'moov' (no init segment)");
                }
                pendingMoof = box;
                owned = false;
                return List.of();
            }
            if (type == Fourcc.MDAT) {
                if (pendingMoof == null) {
                    throw new CmafException("'mdat' at stream offset " + box.streamOffset()
                            + " does not follow a 'moof' (is this a fragmented stream?)");
                }
                Box moof = pendingMoof;
                pendingMoof = null;
                try (moof) {
                    return splitter.split(moof.content(), moof.streamOffset(), box.content(), alloc);
                }
            }
            requireNoPendingMoof(box);
            return List.of();
        } finally {
            if (owned) {
                box.close();
            }
        }
    }

    /**
     * Declares the end of the stream.
     *
     * @throws CmafException if a {@code moof} is still waiting for its {@code mdat}
     */
    public void finish() {
        if (pendingMoof != null) {
            long at = pendingMoof.streamOffset();
            pendingMoof.close();
            pendingMoof = null;
            throw new CmafException("stream ended after the 'moof' at stream offset " + at + " without its 'mdat'");
        }
    }

    /** The current init segment, or null before the first {@code moov}. */
    public InitSegment init() {
        return init;
    }

    /**
     * The standalone init segment of one track of the current init segment (see
     * {@link InitSegment#extractTrack}), built when the {@code moov} arrived.
     *
     * <p>Ownership: the buffer belongs to the demuxer and stays valid until the next {@code moov} or
     * {@link #close()}; do not release it, and retain or copy it to keep it longer (the same contract as
     * {@link Clip#initSegment}).
     */
    public ByteBuf trackInitSegment(int trackId) {
        if (init == null) {
            throw new CmafException("no init segment yet");
        }
        ByteBuf b = trackInits.get(trackId);
        if (b == null) {
            throw new CmafException("init segment has no track " + trackId);
        }
        return b;
    }

    /** Releases the init segment and any {@code moof} still waiting for its {@code mdat}. Idempotent. */
    @Override
    public void close() {
        releaseInit();
        if (pendingMoof != null) {
            pendingMoof.close();
            pendingMoof = null;
        }
    }

    private void releaseInit() {
        if (ftyp != null) {
            ftyp.close();
            ftyp = null;
        }
        releaseTrackInits();
        init = null;
        splitter = null;
    }

    private void releaseTrackInits() {
        trackInits.values().forEach(ByteBuf::release);
        trackInits.clear();
    }

    private void requireNoPendingMoof(Box next) {
        if (pendingMoof != null) {
            long at = pendingMoof.streamOffset();
            pendingMoof.close();
            pendingMoof = null;
            throw new CmafException("'moof' at stream offset " + at + " is followed by '" + next.type()
                    + "' instead of its 'mdat'");
        }
    }
}
