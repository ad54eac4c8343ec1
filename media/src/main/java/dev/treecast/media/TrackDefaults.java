package dev.treecast.media;

/**
 * A track's fragment defaults from its Track Extends box ({@code trex}, ISO/IEC 14496-12 §8.8.3), used when neither
 * the {@code trun} nor the {@code tfhd} of a fragment gives a sample's duration, size or flags.
 *
 * @param sampleDescriptionIndex default_sample_description_index (1-based)
 * @param sampleDuration default_sample_duration, in the track's timescale
 * @param sampleSize default_sample_size, in bytes
 * @param sampleFlags default_sample_flags, laid out as in §8.8.3.1
 */
public record TrackDefaults(long sampleDescriptionIndex, long sampleDuration, long sampleSize, int sampleFlags) {
}
