package dev.treecast.media;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.netty.buffer.ByteBuf;

// Parsing of a Movie Fragment box (moof, ISO/IEC 14496-12 §8.8.4) and resolution of where its samples are.
final class Moof {
    // tfhd flags, ISO/IEC 14496-12 §8.8.7.1.
    static final int TFHD_BASE_DATA_OFFSET = 0x000001;
    static final int TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
    static final int TFHD_DEFAULT_DURATION = 0x000008;
    static final int TFHD_DEFAULT_SIZE = 0x000010;
    static final int TFHD_DEFAULT_FLAGS = 0x000020;
    static final int TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
    // trun flags, §8.8.8.1.
    static final int TRUN_DATA_OFFSET = 0x000001;
    static final int TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
    static final int TRUN_DURATION = 0x000100;
    static final int TRUN_SIZE = 0x000200;
    static final int TRUN_FLAGS = 0x000400;
    static final int TRUN_CTO = 0x000800;
    // sample_is_non_sync_sample in the sample flags word, §8.8.3.1.
    static final int SAMPLE_IS_NON_SYNC = 0x0001_0000;

    // A Track Fragment Run box as written, with the index of its per-sample table.
    record Trun(Boxes.BoxRef box, int version, int flags, int sampleCount, int dataOffset, int firstSampleFlags,
            int tableStart, int tableLength) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        int bytesPerSample() {
            return 4 * Integer.bitCount(flags & (TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | TRUN_CTO));
        }

        // Buffer index of the data_offset field, valid when TRUN_DATA_OFFSET is set.
        int dataOffsetIndex() {
            return box.payloadStart() + 8;
        }
    }

    // A Track Fragment box: its header fields, decode time and runs.
    record Traf(Boxes.BoxRef box, List<Boxes.BoxRef> children, int trackId, int tfhdFlags, long baseDataOffset,
            long sampleDescriptionIndex, long defaultDuration, long defaultSize, int defaultFlags,
            Boxes.BoxRef tfdt, long baseMediaDecodeTime, List<Trun> truns) {
        boolean has(int flag) {
            return (tfhdFlags & flag) != 0;
        }
    }

    // A whole parsed moof.
    record Parsed(Boxes.BoxRef box, List<Boxes.BoxRef> children, long sequenceNumber, List<Traf> trafs) {
    }

    // One trun with its samples located, relative to the first byte of the moof.
    record Run(Trun trun, long dataStart, long dataLength, long duration, boolean firstIsSync) {
    }

    // One traf with its samples located and timed.
    record Resolved(Traf traf, List<Run> runs, long duration, int sampleCount, boolean startsWithSync) {
    }

    private Moof() {
    }

    // Structural parse of the moof box moof in buf; needs no init segment.
    static Parsed parse(ByteBuf buf, Boxes.BoxRef moof) {
        List<Boxes.BoxRef> children = Boxes.children(buf, moof);
        // Movie Fragment Header Box, §8.8.5: a FullBox with a 32-bit sequence_number.
        FieldReader mf = FieldReader.payload(buf, Boxes.require(children, Fourcc.MFHD, "'moof'"));
        mf.versionAndFlags();
        long sequenceNumber = mf.u32("sequence_number");
        List<Traf> trafs = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (Boxes.BoxRef ref : children) {
            if (ref.type() == Fourcc.TRAF) {
                Traf traf = parseTraf(buf, ref);
                if (!seen.add(traf.trackId())) {
                    throw new CmafException("'moof' has two 'traf' boxes for track " + traf.trackId());
                }
                trafs.add(traf);
            }
        }
        return new Parsed(moof, children, sequenceNumber, trafs);
    }

    private static Traf parseTraf(ByteBuf buf, Boxes.BoxRef traf) {
        List<Boxes.BoxRef> children = Boxes.children(buf, traf);
        Boxes.BoxRef tfhd = Boxes.require(children, Fourcc.TFHD, "'traf'");
        // Track Fragment Header Box, §8.8.7: track_ID, then the optional fields its flags announce, in this order.
        FieldReader r = FieldReader.payload(buf, tfhd);
        int flags = r.versionAndFlags() & 0xFF_FFFF;
        int trackId = r.i32("track_ID");
        String where = "'traf' of track " + trackId;
        long baseDataOffset = (flags & TFHD_BASE_DATA_OFFSET) != 0 ? r.u64("base_data_offset") : 0;
        long sdi = (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) != 0 ? r.u32("sample_description_index") : 0;
        long duration = (flags & TFHD_DEFAULT_DURATION) != 0 ? r.u32("default_sample_duration") : 0;
        long size = (flags & TFHD_DEFAULT_SIZE) != 0 ? r.u32("default_sample_size") : 0;
        int sampleFlags = (flags & TFHD_DEFAULT_FLAGS) != 0 ? r.i32("default_sample_flags") : 0;

        Boxes.BoxRef tfdt = Boxes.find(children, Fourcc.TFDT);
        long decodeTime = 0;
        if (tfdt != null) {
            // Track Fragment Base Media Decode Time Box, §8.8.12: 32-bit in version 0, 64-bit in version 1.
            FieldReader t = FieldReader.payload(buf, tfdt);
            int version = t.versionAndFlags() >>> 24;
            decodeTime = version == 1 ? t.u64("baseMediaDecodeTime") : t.u32("baseMediaDecodeTime");
        }
        if (Boxes.find(children, Fourcc.SAIO) != null) {
            throw new CmafException(where + " has a 'saio' box: sample auxiliary information offsets (encrypted"
                    + " content) are not supported");
        }
        List<Trun> truns = new ArrayList<>();
        for (Boxes.BoxRef ref : children) {
            if (ref.type() == Fourcc.TRUN) {
                truns.add(parseTrun(buf, ref, where));
            }
        }
        return new Traf(traf, children, trackId, flags, baseDataOffset, sdi, duration, size, sampleFlags, tfdt,
                decodeTime, truns);
    }

    private static Trun parseTrun(ByteBuf buf, Boxes.BoxRef trun, String where) {
        // Track Fragment Run Box, §8.8.8: sample_count, optional data_offset and first_sample_flags, then per
        // sample the duration, size, flags and composition offset that the flags announce.
        FieldReader r = new FieldReader(buf, trun.payloadStart(), trun.end(), "'trun' in " + where);
        int vf = r.versionAndFlags();
        int version = vf >>> 24;
        int flags = vf & 0xFF_FFFF;
        long count = r.u32("sample_count");
        int dataOffset = (flags & TRUN_DATA_OFFSET) != 0 ? r.i32("data_offset") : 0;
        int firstFlags = (flags & TRUN_FIRST_SAMPLE_FLAGS) != 0 ? r.i32("first_sample_flags") : 0;
        if (count > Integer.MAX_VALUE) {
            throw new CmafException("'trun' in " + where + " declares " + count + " samples, more than supported");
        }
        Trun parsed = new Trun(trun, version, flags, (int) count, dataOffset, firstFlags, r.position(), 0);
        long tableLength = count * parsed.bytesPerSample();
        if (tableLength > r.remaining()) {
            throw new CmafException("'trun' in " + where + " declares " + count + " samples of "
                    + parsed.bytesPerSample() + " bytes each, but only " + r.remaining() + " bytes remain");
        }
        return new Trun(trun, version, flags, (int) count, dataOffset, firstFlags, r.position(), (int) tableLength);
    }

    // Locates and times the samples of every traf.
    //
    // moofStreamOffset: stream offset of the moof's first byte, used to map a tfhd base_data_offset (an
    //     absolute file offset) into the moof; Long.MIN_VALUE when unknown, in which case such a tfhd is
    //     rejected
    // payloadStart: first byte of the mdat payload, relative to the moof's first byte
    // payloadEnd: end of the mdat payload, relative to the moof's first byte
    static List<Resolved> resolve(ByteBuf buf, Parsed moof, InitSegment init, long moofStreamOffset,
            long payloadStart, long payloadEnd) {
        List<Resolved> out = new ArrayList<>();
        long previousTrafEnd = 0;
        boolean first = true;
        long claimed = 0;
        for (Traf traf : moof.trafs()) {
            String where = "'traf' of track " + traf.trackId();
            if (!init.hasTrack(traf.trackId())) {
                throw new CmafException(where + ": the init segment has no such track");
            }
            if (traf.tfdt() == null) {
                throw new CmafException(where + " has no 'tfdt': CMAF fragments must carry their decode time");
            }
            TrackDefaults trex = init.track(traf.trackId()).defaults();
            long duration = traf.has(TFHD_DEFAULT_DURATION) ? traf.defaultDuration() : trex.sampleDuration();
            long size = traf.has(TFHD_DEFAULT_SIZE) ? traf.defaultSize() : trex.sampleSize();
            int flags = traf.has(TFHD_DEFAULT_FLAGS) ? traf.defaultFlags() : trex.sampleFlags();

            // Base data offset, §8.8.7.1: explicit (an absolute file offset), else the moof itself when
            // default-base-is-moof is set or for the first traf, else the end of the previous traf's data.
            long base;
            if (traf.has(TFHD_BASE_DATA_OFFSET)) {
                if (moofStreamOffset == Long.MIN_VALUE) {
                    throw new CmafException(where + ": tfhd has base_data_offset, an absolute file offset that"
                            + " cannot be mapped without the moof's stream offset");
                }
                base = traf.baseDataOffset() - moofStreamOffset;
            } else if (traf.has(TFHD_DEFAULT_BASE_IS_MOOF) || first) {
                base = 0;
            } else {
                base = previousTrafEnd;
            }
            first = false;

            List<Run> runs = new ArrayList<>();
            long next = base;
            long totalDuration = 0;
            long totalCount = 0;
            Boolean startsWithSync = null;
            for (Trun trun : traf.truns()) {
                // data_offset is relative to the base; without it a run follows the previous one (§8.8.8.1).
                long start = trun.has(TRUN_DATA_OFFSET) ? base + trun.dataOffset() : next;
                Run run = resolveRun(buf, trun, start, duration, size, flags, where);
                // Written so that nothing overflows: a base_data_offset near 2^63 must not wrap the end around.
                if (run.dataLength() > 0 && (run.dataStart() < payloadStart
                        || run.dataLength() > payloadEnd - run.dataStart())) {
                    throw new CmafException("'trun' in " + where + " places " + trun.sampleCount()
                            + " samples at bytes [" + run.dataStart() + ", " + (run.dataStart() + run.dataLength())
                            + ") from the moof start, outside the mdat payload [" + payloadStart + ", "
                            + payloadEnd + ")");
                }
                // Each sample byte is in the mdat once, so runs that claim more bytes than it holds overlap: split,
                // every run would copy the same bytes again, and one upload could make a moof allocate gigabytes.
                claimed += run.dataLength();
                if (claimed > payloadEnd - payloadStart) {
                    throw new CmafException("'trun' in " + where + ": the runs of this 'moof' claim " + claimed
                            + " bytes, more than the " + (payloadEnd - payloadStart) + " of the mdat payload"
                            + " (overlapping runs)");
                }
                next = run.dataStart() + run.dataLength();
                if (run.duration() > Long.MAX_VALUE - totalDuration) {
                    throw new CmafException("'trun' in " + where + ": the durations of its runs overflow 64 bits");
                }
                totalDuration += run.duration();
                totalCount += trun.sampleCount();
                if (startsWithSync == null && trun.sampleCount() > 0) {
                    startsWithSync = run.firstIsSync();
                }
                runs.add(run);
            }
            if (totalCount > Integer.MAX_VALUE) {
                throw new CmafException(where + " has " + totalCount + " samples, more than supported");
            }
            previousTrafEnd = next;
            out.add(new Resolved(traf, runs, totalDuration, (int) totalCount, Boolean.TRUE.equals(startsWithSync)));
        }
        return out;
    }

    private static Run resolveRun(ByteBuf buf, Trun trun, long start, long defaultDuration, long defaultSize,
            int defaultFlags, String where) {
        int count = trun.sampleCount();
        int firstFlags;
        if (trun.has(TRUN_FIRST_SAMPLE_FLAGS)) {
            firstFlags = trun.firstSampleFlags();
        } else if (trun.has(TRUN_FLAGS) && count > 0) {
            int flagsField = (trun.has(TRUN_DURATION) ? 4 : 0) + (trun.has(TRUN_SIZE) ? 4 : 0);
            firstFlags = buf.getInt(trun.tableStart() + flagsField);
        } else {
            firstFlags = defaultFlags;
        }
        try {
            long duration;
            long length;
            if (!trun.has(TRUN_DURATION) && !trun.has(TRUN_SIZE)) {
                // No per-sample table to walk: a huge sample_count costs nothing.
                duration = Math.multiplyExact(count, defaultDuration);
                length = Math.multiplyExact(count, defaultSize);
            } else {
                duration = 0;
                length = 0;
                int stride = trun.bytesPerSample();
                int sizeField = trun.has(TRUN_DURATION) ? 4 : 0;
                for (int i = 0, p = trun.tableStart(); i < count; i++, p += stride) {
                    duration += trun.has(TRUN_DURATION) ? buf.getUnsignedInt(p) : defaultDuration;
                    length += trun.has(TRUN_SIZE) ? buf.getUnsignedInt(p + sizeField) : defaultSize;
                }
            }
            return new Run(trun, start, length, duration, (firstFlags & SAMPLE_IS_NON_SYNC) == 0);
        } catch (ArithmeticException e) {
            throw new CmafException("'trun' in " + where + ": " + count + " samples overflow 64-bit totals", e);
        }
    }
}
