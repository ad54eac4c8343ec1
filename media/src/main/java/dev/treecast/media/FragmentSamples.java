package dev.treecast.media;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;

/**
 * Lists the samples of a single-track fragment ({@code moof} + {@code mdat}, such as {@link Fragment#content()} or
 * a replayed {@link Clip} fragment): where each one's bytes are, its decode time, duration, composition offset and
 * whether it is a sync sample. Values fall back from the {@code trun} to the {@code tfhd} to the init segment's
 * {@code trex} (ISO/IEC 14496-12 §8.8.7.1, §8.8.8.1), exactly as {@link FragmentSplitter} locates them.
 *
 * <p>Pure and thread-safe; copies nothing.
 */
public final class FragmentSamples {
    private FragmentSamples() {
    }

    /**
     * The samples of {@code fragment}'s readable bytes, in decode order. Does not change the buffer's indexes.
     *
     * @throws CmafException if the fragment is not exactly one {@code moof} (with one {@code traf}) and one
     *     {@code mdat}, its track is not in {@code init}, or a sample lies outside the {@code mdat} payload
     */
    public static List<Sample> of(InitSegment init, ByteBuf fragment) {
        ByteBuf[] parts = FragmentSplitter.splitMoofMdat(fragment);
        ByteBuf moof = parts[0];
        List<Moof.Resolved> resolved = new FragmentSplitter(init).resolve(moof, parts[1]);
        if (resolved.size() != 1) {
            throw new CmafException("a single-track fragment must have one 'traf', found " + resolved.size());
        }
        Moof.Resolved r = resolved.get(0);
        Moof.Traf traf = r.traf();
        TrackDefaults trex = init.track(traf.trackId()).defaults();
        long defaultDuration = traf.has(Moof.TFHD_DEFAULT_DURATION) ? traf.defaultDuration() : trex.sampleDuration();
        long defaultSize = traf.has(Moof.TFHD_DEFAULT_SIZE) ? traf.defaultSize() : trex.sampleSize();
        int defaultFlags = traf.has(Moof.TFHD_DEFAULT_FLAGS) ? traf.defaultFlags() : trex.sampleFlags();
        List<Sample> out = new ArrayList<>(r.sampleCount());
        long decodeTime = traf.baseMediaDecodeTime();
        for (Moof.Run run : r.runs()) {
            Moof.Trun trun = run.trun();
            // The run was checked to lie inside the mdat payload, so every offset below fits an int.
            long at = run.dataStart();
            int stride = trun.bytesPerSample();
            int p = trun.tableStart();
            for (int i = 0; i < trun.sampleCount(); i++, p += stride) {
                int field = p;
                long duration = defaultDuration;
                if (trun.has(Moof.TRUN_DURATION)) {
                    duration = moof.getUnsignedInt(field);
                    field += 4;
                }
                long size = defaultSize;
                if (trun.has(Moof.TRUN_SIZE)) {
                    size = moof.getUnsignedInt(field);
                    field += 4;
                }
                int flags = defaultFlags;
                if (trun.has(Moof.TRUN_FLAGS)) {
                    flags = moof.getInt(field);
                    field += 4;
                }
                if (i == 0 && trun.has(Moof.TRUN_FIRST_SAMPLE_FLAGS)) {
                    flags = trun.firstSampleFlags();
                }
                long composition = 0;
                if (trun.has(Moof.TRUN_CTO)) {
                    // Version 0: unsigned; version 1: signed (§8.8.8.2).
                    composition = trun.version() == 0 ? moof.getUnsignedInt(field) : moof.getInt(field);
                }
                out.add(new Sample((int) at, (int) size, decodeTime, duration, composition,
                        (flags & Moof.SAMPLE_IS_NON_SYNC) == 0));
                at += size;
                decodeTime += duration;
            }
        }
        return out;
    }
}
