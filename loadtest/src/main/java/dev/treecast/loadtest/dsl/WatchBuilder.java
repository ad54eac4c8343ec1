package dev.treecast.loadtest.dsl;

import java.time.Duration;

/**
 * A watch step that still needs its length: only {@link #forDuration(Duration)} makes it a step
 * ({@code for} is a Java keyword, hence the name).
 */
public final class WatchBuilder {
    private final String broadcast;

    WatchBuilder(String broadcast) {
        this.broadcast = broadcast;
    }

    /** Watch for {@code duration}, with the defaults of {@link WatchStep}. */
    public WatchStep forDuration(Duration duration) {
        return new WatchStep(broadcast, duration);
    }

    /** Watch for {@code seconds} seconds. */
    public WatchStep forDuration(long seconds) {
        return forDuration(Duration.ofSeconds(seconds));
    }
}
