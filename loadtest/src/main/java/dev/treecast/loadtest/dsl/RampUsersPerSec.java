package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.Injection;

/** {@code rampUsersPerSec(a)}: needs {@code .to(b)}, then {@code .during(d)}. */
public final class RampUsersPerSec {
    private final double from;

    RampUsersPerSec(double from) {
        this.from = from;
    }

    /** The rate reached at the end of the ramp. */
    public To to(double to) {
        return new To(from, to);
    }

    /** {@code rampUsersPerSec(a).to(b)}: needs {@code .during(d)}. */
    public static final class To {
        private final double from;
        private final double to;

        To(double from, double to) {
            this.from = from;
            this.to = to;
        }

        /** The rate goes linearly from {@code a} to {@code b} over {@code duration}. */
        public Injection.Open during(Duration duration) {
            return new Injection.RampRate(from, to, duration);
        }

        /** The rate goes linearly from {@code a} to {@code b} over {@code seconds} seconds. */
        public Injection.Open during(long seconds) {
            return during(Duration.ofSeconds(seconds));
        }
    }
}
