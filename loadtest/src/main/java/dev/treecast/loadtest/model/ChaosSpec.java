package dev.treecast.loadtest.model;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault on the timeline: at {@code at} (and then every {@code every}, when not null, until the run ends) do
 * {@code action} to the relay {@code selector} picks.
 */
public record ChaosSpec(Action action, RelaySelector selector, Duration at, Duration every) {
    public enum Action {
        /** Crash: sockets closed without a word (kill -9); the cluster starts a replacement. */
        KILL,
        /** Hang: the relay's thread stops (SIGSTOP); its sockets stay open and say nothing. */
        STOP,
        /** Undo a STOP on the same selector's relay (the one stopped last when the selector is not by name). */
        RESUME,
        /** Graceful leave: children moved make-before-break, viewers told GOING_AWAY; a replacement starts. */
        DRAIN
    }

    public ChaosSpec {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(selector, "selector");
        if (at == null || at.isNegative()) {
            throw new IllegalArgumentException("chaos time must be >= 0, got " + at);
        }
        if (every != null && (every.isNegative() || every.isZero())) {
            throw new IllegalArgumentException("chaos period must be positive, got " + every);
        }
    }
}
