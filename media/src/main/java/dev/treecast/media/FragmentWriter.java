package dev.treecast.media;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

// Writes single-track fragments: the split of a multi-track fragment, and the decode-time rewrite of one.
final class FragmentWriter {
    private FragmentWriter() {
    }

    // A fragment holding only resolved's track: the moof's other boxes, mfhd and this traf (tfhd made
    // moof-relative, every trun given a data_offset) then an mdat with only this track's sample bytes, copied from
    // mdat run by run.
    //
    // moofBuf: buffer holding the source moof box at moof.box()
    // mdat: buffer whose readable bytes are the source mdat box
    static ByteBuf split(ByteBuf moofBuf, Moof.Parsed moof, Moof.Resolved resolved, ByteBuf mdat,
            ByteBufAllocator alloc) {
        long dataBytes = 0;
        for (Moof.Run run : resolved.runs()) {
            dataBytes += run.dataLength();
        }
        ByteBuf out = alloc.buffer((int) Math.min(Integer.MAX_VALUE, moof.box().size() + 8 + dataBytes + 64));
        try {
            Moof.Traf traf = resolved.traf();
            List<Integer> offsetFields = new ArrayList<>();
            int moofStart = Boxes.beginBox(out, Fourcc.MOOF);
            for (Boxes.BoxRef child : moof.children()) {
                if (child.type() != Fourcc.TRAF) {
                    Boxes.copy(out, moofBuf, child);
                } else if (child.start() == traf.box().start()) {
                    int trafStart = Boxes.beginBox(out, Fourcc.TRAF);
                    for (Boxes.BoxRef t : traf.children()) {
                        if (t.type() == Fourcc.TFHD) {
                            writeMoofRelativeTfhd(out, traf);
                        } else if (t.type() == Fourcc.TRUN) {
                            offsetFields.add(writeTrunWithDataOffset(out, moofBuf, trunAt(traf, t)));
                        } else {
                            Boxes.copy(out, moofBuf, t);
                        }
                    }
                    Boxes.endBox(out, trafStart);
                }
            }
            Boxes.endBox(out, moofStart);
            int moofSize = out.writerIndex() - moofStart;
            // The only traf is now based at the moof (default-base-is-moof), and the mdat header is 8 bytes, so
            // run i starts at moofSize + 8 + the bytes of runs before it.
            long mdatSize = 8 + dataBytes;
            if (mdatSize > 0xFFFF_FFFFL) {
                throw new CmafException("track " + traf.trackId() + " fragment data is too large for an mdat");
            }
            long position = moofSize + 8;
            for (int i = 0; i < offsetFields.size(); i++) {
                out.setInt(offsetFields.get(i), (int) position);
                position += resolved.runs().get(i).dataLength();
            }
            out.writeInt((int) mdatSize);
            out.writeInt(Fourcc.MDAT);
            for (Moof.Run run : resolved.runs()) {
                if (run.dataLength() == 0) {
                    continue; // an empty run may point anywhere; it has nothing to copy
                }
                // Runs were checked to lie inside the mdat payload, which follows the moof directly.
                int from = mdat.readerIndex() + (int) (run.dataStart() - moof.box().size());
                out.writeBytes(mdat, from, (int) run.dataLength());
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    // A copy of the single-track fragment src (moof at moof.box(), then the mdat up to
    // fragmentEnd) with a version 1 tfdt holding decodeTime (inserted after tfhd if missing) and
    // mfhd holding sequenceNumber. Everything after the moof is copied verbatim; trun data_offsets, which
    // are moof-relative, are shifted by however much the moof grew.
    static ByteBuf rewrite(ByteBuf src, Moof.Parsed moof, int fragmentEnd, long decodeTime, long sequenceNumber,
            ByteBufAllocator alloc) {
        Moof.Traf traf = moof.trafs().get(0);
        ByteBuf out = alloc.buffer(fragmentEnd - moof.box().start() + 16);
        try {
            List<int[]> offsetFields = new ArrayList<>();
            int moofStart = Boxes.beginBox(out, Fourcc.MOOF);
            for (Boxes.BoxRef child : moof.children()) {
                if (child.type() == Fourcc.MFHD) {
                    // Movie Fragment Header Box, §8.8.5: version 0, flags 0, sequence_number.
                    int mfhd = Boxes.beginBox(out, Fourcc.MFHD);
                    out.writeInt(0);
                    out.writeInt((int) sequenceNumber);
                    Boxes.endBox(out, mfhd);
                } else if (child.type() == Fourcc.TRAF) {
                    int trafStart = Boxes.beginBox(out, Fourcc.TRAF);
                    for (Boxes.BoxRef t : traf.children()) {
                        if (t.type() == Fourcc.TFDT) {
                            writeTfdtV1(out, decodeTime);
                        } else if (t.type() == Fourcc.TRUN) {
                            Moof.Trun trun = trunAt(traf, t);
                            int at = out.writerIndex();
                            Boxes.copy(out, src, t);
                            if (trun.has(Moof.TRUN_DATA_OFFSET)) {
                                offsetFields.add(new int[] {at + trun.dataOffsetIndex() - t.start(),
                                        trun.dataOffset()});
                            }
                        } else {
                            Boxes.copy(out, src, t);
                            if (t.type() == Fourcc.TFHD && traf.tfdt() == null) {
                                writeTfdtV1(out, decodeTime);
                            }
                        }
                    }
                    Boxes.endBox(out, trafStart);
                } else {
                    Boxes.copy(out, src, child);
                }
            }
            Boxes.endBox(out, moofStart);
            int delta = out.writerIndex() - moofStart - moof.box().size();
            for (int[] field : offsetFields) {
                long shifted = (long) field[1] + delta;
                if (shifted > Integer.MAX_VALUE) {
                    throw new CmafException("trun data_offset " + field[1] + " overflows when shifted by " + delta);
                }
                out.setInt(field[0], (int) shifted);
            }
            out.writeBytes(src, moof.box().end(), fragmentEnd - moof.box().end());
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static Moof.Trun trunAt(Moof.Traf traf, Boxes.BoxRef box) {
        for (Moof.Trun trun : traf.truns()) {
            if (trun.box().start() == box.start()) {
                return trun;
            }
        }
        throw new IllegalStateException("trun not parsed");
    }

    // tfhd (§8.8.7) without base_data_offset and with default-base-is-moof, other fields unchanged.
    private static void writeMoofRelativeTfhd(ByteBuf out, Moof.Traf traf) {
        int flags = (traf.tfhdFlags() & ~Moof.TFHD_BASE_DATA_OFFSET) | Moof.TFHD_DEFAULT_BASE_IS_MOOF;
        int start = Boxes.beginBox(out, Fourcc.TFHD);
        out.writeInt(flags);
        out.writeInt(traf.trackId());
        if (traf.has(Moof.TFHD_SAMPLE_DESCRIPTION_INDEX)) {
            out.writeInt((int) traf.sampleDescriptionIndex());
        }
        if (traf.has(Moof.TFHD_DEFAULT_DURATION)) {
            out.writeInt((int) traf.defaultDuration());
        }
        if (traf.has(Moof.TFHD_DEFAULT_SIZE)) {
            out.writeInt((int) traf.defaultSize());
        }
        if (traf.has(Moof.TFHD_DEFAULT_FLAGS)) {
            out.writeInt(traf.defaultFlags());
        }
        Boxes.endBox(out, start);
    }

    // trun (§8.8.8) with data-offset-present set; returns the index of the data_offset to patch.
    private static int writeTrunWithDataOffset(ByteBuf out, ByteBuf src, Moof.Trun trun) {
        int start = Boxes.beginBox(out, Fourcc.TRUN);
        out.writeInt(trun.version() << 24 | trun.flags() | Moof.TRUN_DATA_OFFSET);
        out.writeInt(trun.sampleCount());
        int offsetField = out.writerIndex();
        out.writeInt(0);
        if (trun.has(Moof.TRUN_FIRST_SAMPLE_FLAGS)) {
            out.writeInt(trun.firstSampleFlags());
        }
        out.writeBytes(src, trun.tableStart(), trun.tableLength());
        Boxes.endBox(out, start);
        return offsetField;
    }

    // tfdt version 1 (§8.8.12): a 64-bit baseMediaDecodeTime.
    private static void writeTfdtV1(ByteBuf out, long decodeTime) {
        int start = Boxes.beginBox(out, Fourcc.TFDT);
        out.writeInt(1 << 24);
        out.writeLong(decodeTime);
        Boxes.endBox(out, start);
    }
}
