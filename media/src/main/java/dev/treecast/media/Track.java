package dev.treecast.media;

/**
 * One track of a CMAF init segment.
 *
 * @param trackId track_ID from {@code tkhd}
 * @param handler handler type from {@code hdlr}: {@code "vide"} or {@code "soun"}
 * @param timescale media timescale from {@code mdhd}: ticks per second of every decode time and duration
 * @param codec RFC 6381 codec string as Media Source Extensions expects it, e.g. {@code "avc1.4D401E"} or
 *     {@code "mp4a.40.2"}
 * @param width coded width in pixels (video; 0 for audio)
 * @param height coded height in pixels (video; 0 for audio)
 * @param sampleRate audio sample rate in Hz (audio; 0 for video)
 * @param channelCount audio channel count (audio; 0 for video)
 * @param defaults the track's {@code trex} fragment defaults
 */
public record Track(int trackId, String handler, long timescale, String codec, int width, int height,
        int sampleRate, int channelCount, TrackDefaults defaults) {

    /** True for a video ({@code vide}) track. */
    public boolean isVideo() {
        return "vide".equals(handler);
    }

    /** True for an audio ({@code soun}) track. */
    public boolean isAudio() {
        return "soun".equals(handler);
    }

    /** The MSE MIME type for a SourceBuffer holding only this track, e.g. {@code video/mp4; codecs="avc1.4D401E"}. */
    public String mimeType() {
        return (isVideo() ? "video" : "audio") + "/mp4; codecs=\"" + codec + "\"";
    }
}
