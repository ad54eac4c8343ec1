package dev.treecast.media;

/**
 * One sample (a video frame or an audio access unit) of a single-track CMAF fragment, as its {@code trun} and
 * {@code mdat} describe it (ISO/IEC 14496-12 §8.8.8).
 *
 * @param offset where the sample's bytes start, counted from the first byte of the fragment ({@code moof})
 * @param length the sample's size in bytes
 * @param decodeTime decode time, in the track's timescale
 * @param duration sample duration, in the track's timescale
 * @param compositionOffset presentation time minus decode time, in the track's timescale (negative only in a
 *     version 1 {@code trun})
 * @param sync whether it is a sync sample (a keyframe for video): sample_is_non_sync_sample == 0
 */
public record Sample(int offset, int length, long decodeTime, long duration, long compositionOffset, boolean sync) {

    /** Presentation (composition) time, in the track's timescale. */
    public long presentationTime() {
        return decodeTime + compositionOffset;
    }
}
