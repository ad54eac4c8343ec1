package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.Injection;

/** {@code rampUsers(n)}: not a step until it knows over how long. */
public final class RampUsers {
    private final int users;

    RampUsers(int users) {
        this.users = users;
    }

    /** The users evenly spread over {@code duration}. */
    public Injection.Open during(Duration duration) {
        return new Injection.Ramp(users, duration);
    }

    /** The users evenly spread over {@code seconds} seconds. */
    public Injection.Open during(long seconds) {
        return during(Duration.ofSeconds(seconds));
    }
}
