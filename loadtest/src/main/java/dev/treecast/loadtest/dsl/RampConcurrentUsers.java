package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.Injection;

/** {@code rampConcurrentUsers(a)}: needs {@code .to(b)}, then {@code .during(d)}. */
public final class RampConcurrentUsers {
    private final int from;

    RampConcurrentUsers(int from) {
        this.from = from;
    }

    /** The concurrency reached at the end of the ramp. */
    public To to(int to) {
        return new To(from, to);
    }

    /** {@code rampConcurrentUsers(a).to(b)}: needs {@code .during(d)}. */
    public static final class To {
        private final int from;
        private final int to;

        To(int from, int to) {
            this.from = from;
            this.to = to;
        }

        /** Concurrency goes linearly from {@code a} to {@code b} over {@code duration}. */
        public Injection.Closed during(Duration duration) {
            return new Injection.RampConcurrent(from, to, duration);
        }

        /** Concurrency goes linearly from {@code a} to {@code b} over {@code seconds} seconds. */
        public Injection.Closed during(long seconds) {
            return during(Duration.ofSeconds(seconds));
        }
    }
}
