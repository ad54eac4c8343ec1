package dev.treecast.media;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Splits a multi-track fragment (one {@code moof} with a {@code traf} per track, and the {@code mdat} that follows
 * it, as ffmpeg writes live CMAF) into one single-track fragment per track, each playable on its own MSE
 * SourceBuffer.
 *
 * <p>Each output is a new {@code moof} (the source's {@code mfhd} and other non-{@code traf} boxes, plus that
 * track's {@code traf} with a moof-relative {@code tfhd} and a rewritten trun data_offset) and an {@code mdat} with
 * only that track's sample bytes. A {@code traf} with no samples produces no output.
 *
 * <p>Sample data is located per ISO/IEC 14496-12 §8.8.7.1 / §8.8.8.1: relative to the moof
 * ({@code default-base-is-moof}, or implicitly for the first {@code traf}), after the previous track's data, or at
 * an explicit {@code base_data_offset}. The last is an absolute offset in the stream, so it is only supported by
 * {@link #split(ByteBuf, long, ByteBuf, ByteBufAllocator)}, given the moof's stream offset (e.g.
 * {@link Box#streamOffset()}); elsewhere it is rejected with a {@link CmafException}.
 *
 * <p>Stateless apart from the init segment it was made with; pure, thread-safe.
 */
public final class FragmentSplitter {
    private final InitSegment init;

    /** A splitter for fragments of the stream whose init segment is {@code init} (for the trex defaults). */
    public FragmentSplitter(InitSegment init) {
        if (init == null) {
            throw new IllegalArgumentException("init is null");
        }
        this.init = init;
    }

    /** The init segment this splitter resolves defaults from. */
    public InitSegment init() {
        return init;
    }

    /**
     * Splits {@code moof} + {@code mdat} (each buffer's readable bytes are exactly one box; the mdat must directly
     * follow the moof in the stream) into one fragment per track, in traf order.
     *
     * <p>Ownership: the inputs are only read (indexes unchanged, not released). The caller owns the returned
     * fragments, allocated from {@code alloc}, and must close each. On error nothing is leaked.
     *
     * @throws CmafException if either box is malformed, a run lies outside the mdat payload, a track is not in the
     *     init segment, or a tfhd carries a base_data_offset
     */
    public List<Fragment> split(ByteBuf moof, ByteBuf mdat, ByteBufAllocator alloc) {
        return split(moof, Long.MIN_VALUE, mdat, alloc);
    }

    /**
     * Like {@link #split(ByteBuf, ByteBuf, ByteBufAllocator)}, and also maps a tfhd {@code base_data_offset} (an
     * absolute stream offset) using {@code moofStreamOffset}, the stream offset of the moof's first byte.
     */
    public List<Fragment> split(ByteBuf moof, long moofStreamOffset, ByteBuf mdat, ByteBufAllocator alloc) {
        Located located = locate(moof, moofStreamOffset, mdat);
        List<Fragment> out = new ArrayList<>();
        try {
            for (Moof.Resolved r : located.resolved) {
                if (r.sampleCount() == 0) {
                    continue;
                }
                ByteBuf bytes = FragmentWriter.split(moof, located.parsed, r, mdat, alloc);
                out.add(new Fragment(info(located.parsed, r), bytes));
            }
            return out;
        } catch (RuntimeException e) {
            for (Fragment f : out) {
                f.close();
            }
            throw e;
        }
    }

    /**
     * Describes every traf of {@code moof} + {@code mdat} without copying anything (one entry per traf, including
     * empty ones). Same validation as {@link #split(ByteBuf, ByteBuf, ByteBufAllocator)}.
     */
    public List<FragmentInfo> inspect(ByteBuf moof, ByteBuf mdat) {
        Located located = locate(moof, Long.MIN_VALUE, mdat);
        List<FragmentInfo> out = new ArrayList<>();
        for (Moof.Resolved r : located.resolved) {
            out.add(info(located.parsed, r));
        }
        return out;
    }

    /**
     * Describes a fragment whose readable bytes are a {@code moof} immediately followed by its {@code mdat} (such
     * as {@link Fragment#content()}). Does not change the buffer's indexes.
     */
    public List<FragmentInfo> inspect(ByteBuf fragment) {
        ByteBuf[] parts = splitMoofMdat(fragment);
        return inspect(parts[0], parts[1]);
    }

    // Where each run's bytes are, for tests that compare sample bytes.
    List<Moof.Resolved> resolve(ByteBuf moof, ByteBuf mdat) {
        return resolve(moof, Long.MIN_VALUE, mdat);
    }

    List<Moof.Resolved> resolve(ByteBuf moof, long moofStreamOffset, ByteBuf mdat) {
        return locate(moof, moofStreamOffset, mdat).resolved;
    }

    // Slices (not retained) of the moof and the mdat in a fragment buffer; they must fill it exactly.
    static ByteBuf[] splitMoofMdat(ByteBuf fragment) {
        List<Boxes.BoxRef> boxes = Boxes.children(fragment, fragment.readerIndex(), fragment.writerIndex(),
                "fragment");
        if (boxes.size() != 2 || boxes.get(0).type() != Fourcc.MOOF || boxes.get(1).type() != Fourcc.MDAT) {
            throw new CmafException("a fragment must be exactly one 'moof' and one 'mdat', found " + names(boxes));
        }
        return new ByteBuf[] {fragment.slice(boxes.get(0).start(), boxes.get(0).size()),
                fragment.slice(boxes.get(1).start(), boxes.get(1).size())};
    }

    static String names(List<Boxes.BoxRef> boxes) {
        List<String> names = new ArrayList<>();
        for (Boxes.BoxRef b : boxes) {
            names.add(b.typeName());
        }
        return names.toString();
    }

    private record Located(Moof.Parsed parsed, List<Moof.Resolved> resolved) {
    }

    private Located locate(ByteBuf moof, long moofStreamOffset, ByteBuf mdat) {
        Boxes.BoxRef moofRef = single(moof, Fourcc.MOOF);
        Boxes.BoxRef mdatRef = single(mdat, Fourcc.MDAT);
        Moof.Parsed parsed = Moof.parse(moof, moofRef);
        long payloadStart = (long) moofRef.size() + mdatRef.headerLength();
        long payloadEnd = (long) moofRef.size() + mdatRef.size();
        return new Located(parsed, Moof.resolve(moof, parsed, init, moofStreamOffset, payloadStart, payloadEnd));
    }

    private static Boxes.BoxRef single(ByteBuf buf, int type) {
        String what = "'" + Fourcc.toString(type) + "' buffer";
        if (!buf.isReadable()) {
            throw new CmafException(what + " is empty");
        }
        Boxes.BoxRef ref = Boxes.header(buf, buf.readerIndex(), buf.writerIndex(), what);
        if (ref.type() != type) {
            throw new CmafException(what + " holds a '" + ref.typeName() + "' box");
        }
        if (ref.end() != buf.writerIndex()) {
            throw new CmafException(what + " has " + (buf.writerIndex() - ref.end())
                    + " bytes after its box; pass exactly one box");
        }
        return ref;
    }

    private static FragmentInfo info(Moof.Parsed parsed, Moof.Resolved r) {
        return new FragmentInfo(r.traf().trackId(), parsed.sequenceNumber(), r.traf().baseMediaDecodeTime(),
                r.duration(), r.sampleCount(), r.startsWithSync());
    }
}
