package dev.treecast.relay.core;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * Logs peers that hit a limit: once per peer (each call is one peer's one violation: the peer is closed or
 * refused), at WARN, but at most {@link #PER_SECOND} lines a second for each limit, so that a thousand hostile
 * connections do not become a thousand log lines; the others go to DEBUG and the next WARN line says how many
 * were left out. The counters count them all.
 *
 * <p>Owned by the relay's event loop thread.
 */
public final class LimitLog {
    /** WARN lines per limit and second. */
    static final int PER_SECOND = 5;

    private final Logger log;
    private final LongSupplier nanoClock;
    private final Map<String, Window> windows = new HashMap<>();

    private static final class Window {
        long startNanos;
        int logged;
        long suppressed;
    }

    public LimitLog(Logger log, LongSupplier nanoClock) {
        this.log = log;
        this.nanoClock = nanoClock;
    }

    /** {@code peer} hit {@code limit}; {@code what} says what happened to it (with the error code). */
    public void hit(String limit, String peer, String what) {
        long now = nanoClock.getAsLong();
        Window w = windows.computeIfAbsent(limit, l -> new Window());
        if (now - w.startNanos >= TimeUnit.SECONDS.toNanos(1)) {
            w.startNanos = now;
            w.logged = 0;
        }
        if (w.logged < PER_SECOND) {
            w.logged++;
            if (w.suppressed > 0) {
                log.warn("limit {}: {}: {} ({} more peers hit it meanwhile, logged at DEBUG)", limit, peer, what,
                        w.suppressed);
                w.suppressed = 0;
            } else {
                log.warn("limit {}: {}: {}", limit, peer, what);
            }
        } else {
            w.suppressed++;
            log.debug("limit {}: {}: {}", limit, peer, what);
        }
    }
}
