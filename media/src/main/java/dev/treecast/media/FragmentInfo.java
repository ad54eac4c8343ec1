package dev.treecast.media;

/**
 * Timing and shape of one single-track CMAF fragment.
 *
 * @param trackId track_ID of the fragment's only track
 * @param sequenceNumber sequence_number from {@code mfhd}
 * @param baseMediaDecodeTime decode time of the first sample from {@code tfdt}, in the track's timescale
 * @param duration sum of the sample durations, in the track's timescale
 * @param sampleCount number of samples
 * @param startsWithSync whether the first sample is a sync sample (a keyframe for video; sample_is_non_sync_sample
 *     == 0, ISO/IEC 14496-12 §8.8.3.1)
 */
public record FragmentInfo(int trackId, long sequenceNumber, long baseMediaDecodeTime, long duration,
        int sampleCount, boolean startsWithSync) {

    /** Decode time just after the last sample: where the next fragment of this track should start. */
    public long endDecodeTime() {
        return baseMediaDecodeTime + duration;
    }
}
