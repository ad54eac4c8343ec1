package dev.treecast.protocol;

/**
 * A track of a broadcast, e.g. broadcast {@code live/final}, track {@code video/720p}. Names are printable
 * ASCII without spaces, so that they can appear in URLs, logs and metrics tags without escaping.
 */
public record TrackName(String broadcast, String track) {
    /** Maximum length of a broadcast name in bytes. */
    public static final int MAX_BROADCAST = 256;
    /** Maximum length of a track name in bytes. */
    public static final int MAX_TRACK = 128;

    public TrackName {
        validate(broadcast, "broadcast", MAX_BROADCAST);
        validate(track, "track", MAX_TRACK);
    }

    /** Whether {@code name} is a valid broadcast or track name of at most {@code max} bytes. */
    public static boolean isValidName(String name, int max) {
        if (name == null || name.isEmpty() || name.length() > max) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static void validate(String name, String what, int max) {
        if (!isValidName(name, max)) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE,
                    what + " name must be 1.." + max + " printable ASCII characters without spaces: '" + name + "'");
        }
    }

    @Override
    public String toString() {
        return broadcast + "#" + track;
    }
}
