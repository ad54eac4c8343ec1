package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.Injection;

/** {@code constantConcurrentUsers(n)}: a closed step once it knows for how long. */
public final class ConstantConcurrentUsers {
    private final int users;

    ConstantConcurrentUsers(int users) {
        this.users = users;
    }

    /** Keep the users watching for {@code duration}. */
    public Injection.Closed during(Duration duration) {
        return new Injection.ConstantConcurrent(users, duration);
    }

    /** Keep the users watching for {@code seconds} seconds. */
    public Injection.Closed during(long seconds) {
        return during(Duration.ofSeconds(seconds));
    }
}
