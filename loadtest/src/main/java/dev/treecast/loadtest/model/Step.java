package dev.treecast.loadtest.model;

import java.time.Duration;
import java.util.Objects;

/** One thing a virtual viewer does, in order: think (pause) or watch a broadcast. */
public sealed interface Step {

    /** Think time: a pause drawn uniformly from [{@code min}, {@code max}]. */
    record Pause(Duration min, Duration max) implements Step {
        public Pause {
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
            if (min.isNegative() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("pause needs 0 <= min <= max, got " + min + ".." + max);
            }
        }
    }

    /**
     * Watch {@code broadcast} for {@code duration}: connect to an edge, subscribe at the newest keyframe, play.
     *
     * @param rendition     the video track to subscribe to (the rendition choice)
     * @param audio         also subscribe to the {@code audio} track
     * @param transport     how the viewer reaches its edge
     * @param startupBuffer media the simulated player buffers before playback starts
     * @param reconnect     what the viewer does when its edge dies or goes silent
     */
    record Watch(String broadcast, String rendition, boolean audio, Duration duration, ViewerTransport transport,
                 Duration startupBuffer, Reconnect reconnect) implements Step {
        public Watch {
            if (broadcast == null || broadcast.isBlank()) {
                throw new IllegalArgumentException("watch needs a broadcast name");
            }
            if (rendition == null || rendition.isBlank()) {
                throw new IllegalArgumentException("watch needs a rendition (video track name)");
            }
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("watch duration must be positive, got " + duration);
            }
            Objects.requireNonNull(transport, "transport");
            if (startupBuffer == null || startupBuffer.isNegative()) {
                throw new IllegalArgumentException("startup buffer must be >= 0, got " + startupBuffer);
            }
            Objects.requireNonNull(reconnect, "reconnect");
        }
    }
}
