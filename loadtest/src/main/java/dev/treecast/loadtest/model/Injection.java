package dev.treecast.loadtest.model;

import java.time.Duration;

/**
 * How viewers arrive. Open workloads say when viewers start (they arrive whatever the system does); closed
 * workloads say how many watch at once (a viewer that leaves is replaced). Steps of one population run one after
 * the other, as in Gatling.
 */
public sealed interface Injection {

    /** Open workload steps. */
    sealed interface Open extends Injection {
        Duration duration();
    }

    /** Closed workload steps. */
    sealed interface Closed extends Injection {
        Duration duration();
    }

    /** {@code users} viewers at once. */
    record AtOnce(int users) implements Open {
        public AtOnce {
            nonNegative(users, "users");
        }

        @Override
        public Duration duration() {
            return Duration.ZERO;
        }
    }

    /** {@code users} viewers evenly spread over {@code duration}. */
    record Ramp(int users, Duration duration) implements Open {
        public Ramp {
            nonNegative(users, "users");
            positive(duration);
        }
    }

    /** {@code perSecond} viewers a second (may be fractional), evenly spaced, for {@code duration}. */
    record ConstantRate(double perSecond, Duration duration) implements Open {
        public ConstantRate {
            nonNegative(perSecond, "rate");
            positive(duration);
        }
    }

    /** A rate changing linearly from {@code from} to {@code to} viewers a second over {@code duration}. */
    record RampRate(double from, double to, Duration duration) implements Open {
        public RampRate {
            nonNegative(from, "from rate");
            nonNegative(to, "to rate");
            positive(duration);
        }
    }

    /** Nobody arrives for {@code duration}. */
    record Nothing(Duration duration) implements Open {
        public Nothing {
            positive(duration);
        }
    }

    /** Keep {@code users} viewers watching for {@code duration}. */
    record ConstantConcurrent(int users, Duration duration) implements Closed {
        public ConstantConcurrent {
            nonNegative(users, "users");
            positive(duration);
        }
    }

    /** Concurrency going linearly from {@code from} to {@code to} viewers over {@code duration}. */
    record RampConcurrent(int from, int to, Duration duration) implements Closed {
        public RampConcurrent {
            nonNegative(from, "from users");
            nonNegative(to, "to users");
            positive(duration);
        }
    }

    private static void nonNegative(double value, String what) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + value);
        }
    }

    private static void positive(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("duration must be positive, got " + d);
        }
    }
}
