package dev.treecast.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition instead of sleeping: tests poll what they observe, bounded by a deadline, and fail with
 * a message that says what was awaited and what was last seen.
 */
public final class Await {
    private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

    private Await() {
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes, then fails with {@code what}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    /**
     * Polls {@code condition} until it holds or {@code timeout} passes; on timeout the failure message carries
     * {@code lastSeen}, so a failing test says what state it was in.
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<?> lastSeen) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what
                        + describe(lastSeen));
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted while waiting for: " + what);
            }
        }
    }

    private static String describe(Supplier<?> lastSeen) {
        Object seen = lastSeen.get();
        String text = seen == null ? "null" : seen.toString();
        return text.isEmpty() ? "" : " (last seen: " + text + ")";
    }
}
