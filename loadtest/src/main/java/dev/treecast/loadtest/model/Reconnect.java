package dev.treecast.loadtest.model;

import java.time.Duration;

/**
 * What a viewer does when its edge goes away (session closed) or goes silent (no object for {@code silence}):
 * connect to another edge, at most {@code maxAttempts} times in a row without receiving an object in between,
 * waiting {@code backoff} before each attempt after the first, and resume from the object after the last one it
 * received (so a repair loses nothing when the new edge still has it cached).
 */
public record Reconnect(boolean enabled, Duration silence, int maxAttempts, Duration backoff) {
    /** Reconnect after 500 ms of silence, up to 5 attempts in a row, 100 ms apart. */
    public static final Reconnect DEFAULT = new Reconnect(true, Duration.ofMillis(500), 5, Duration.ofMillis(100));
    /** Never reconnect: a viewer whose edge dies stops watching (counted as failed). */
    public static final Reconnect NEVER = new Reconnect(false, Duration.ofMillis(500), 0, Duration.ZERO);

    public Reconnect {
        if (silence == null || silence.isNegative() || silence.isZero()) {
            throw new IllegalArgumentException("silence must be positive, got " + silence);
        }
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must be >= 0, got " + maxAttempts);
        }
        if (backoff == null || backoff.isNegative()) {
            throw new IllegalArgumentException("backoff must be >= 0, got " + backoff);
        }
    }
}
