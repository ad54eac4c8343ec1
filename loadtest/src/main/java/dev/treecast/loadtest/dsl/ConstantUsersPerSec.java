package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.Injection;

/** {@code constantUsersPerSec(r)}: not a step until it knows for how long. */
public final class ConstantUsersPerSec {
    private final double rate;

    ConstantUsersPerSec(double rate) {
        this.rate = rate;
    }

    /** The rate held for {@code duration}. */
    public Injection.Open during(Duration duration) {
        return new Injection.ConstantRate(rate, duration);
    }

    /** The rate held for {@code seconds} seconds. */
    public Injection.Open during(long seconds) {
        return during(Duration.ofSeconds(seconds));
    }
}
