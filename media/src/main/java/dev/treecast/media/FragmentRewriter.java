package dev.treecast.media;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Rewrites the decode time and sequence number of a single-track fragment, e.g. to replay a clip in a loop as a
 * live stream with every loop's decode times shifted by the loop duration.
 */
public final class FragmentRewriter {
    private FragmentRewriter() {
    }

    /**
     * A copy of {@code fragment} (readable bytes: one {@code moof} with exactly one {@code traf}, then its
     * {@code mdat}) whose {@code tfdt} is version 1 (64-bit) holding {@code baseMediaDecodeTime} (a tfdt is
     * inserted after the tfhd if there was none) and whose {@code mfhd} holds {@code sequenceNumber}. If the moof
     * changes size (a version 0 tfdt grows by 4 bytes), the trun data_offsets are shifted to match; the mdat is
     * copied unchanged.
     *
     * <p>Ownership: {@code fragment} is only read (indexes unchanged, not released). The returned buffer is
     * allocated from {@code alloc} and owned by the caller.
     *
     * @param sequenceNumber the new mfhd sequence_number, 0 to 2^32-1
     * @param baseMediaDecodeTime the new decode time in the track's timescale, not negative
     * @throws CmafException if the fragment is malformed, has more than one traf, or uses an absolute tfhd
     *     base_data_offset (whose meaning a copy cannot keep)
     */
    public static ByteBuf rewrite(ByteBuf fragment, long baseMediaDecodeTime, long sequenceNumber,
            ByteBufAllocator alloc) {
        if (baseMediaDecodeTime < 0) {
            throw new IllegalArgumentException("baseMediaDecodeTime is negative: " + baseMediaDecodeTime);
        }
        if (sequenceNumber < 0 || sequenceNumber > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("sequenceNumber must fit 32 unsigned bits: " + sequenceNumber);
        }
        List<Boxes.BoxRef> boxes = Boxes.children(fragment, fragment.readerIndex(), fragment.writerIndex(),
                "fragment");
        if (boxes.size() != 2 || boxes.get(0).type() != Fourcc.MOOF || boxes.get(1).type() != Fourcc.MDAT) {
            throw new CmafException("a fragment must be exactly one 'moof' and one 'mdat', found "
                    + FragmentSplitter.names(boxes));
        }
        Moof.Parsed moof = Moof.parse(fragment, boxes.get(0));
        if (moof.trafs().size() != 1) {
            throw new CmafException("rewrite needs a single-track fragment, but its 'moof' has "
                    + moof.trafs().size() + " 'traf' boxes (split it first)");
        }
        if (moof.trafs().get(0).has(Moof.TFHD_BASE_DATA_OFFSET)) {
            throw new CmafException("'traf' of track " + moof.trafs().get(0).trackId()
                    + ": tfhd has an absolute base_data_offset, which a rewritten copy cannot keep (split it first"
                    + " to make it moof-relative)");
        }
        return FragmentWriter.rewrite(fragment, moof, boxes.get(1).end(), baseMediaDecodeTime, sequenceNumber,
                alloc);
    }
}
