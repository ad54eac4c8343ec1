package dev.treecast.relay;

import java.util.concurrent.RejectedExecutionException;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.Announce;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.core.RelayCore;
import io.netty.channel.EventLoop;

/**
 * The root relay's local publisher, safe to call from any thread: each call is handed to the relay's event loop,
 * which owns the tracks (the proxy pattern: the caller never touches relay state).
 */
public final class Origin {
    private final EventLoop loop;
    private final RelayCore core;

    Origin(EventLoop loop, RelayCore core) {
        this.loop = loop;
        this.core = core;
    }

    /**
     * Creates {@code track} (no-op if it exists) and announces its broadcast as live; returns once done. Not just
     * queued: the event loop serves the packets that are ready before the tasks queued for it, so a SUBSCRIBE that a
     * caller provoked after an asynchronous declare could still find no track and be refused NOT_FOUND (seen in CI:
     * a test declared a broadcast, subscribed through a relay, and was refused).
     */
    public void declare(TrackName track) {
        if (loop.inEventLoop()) {
            core.declare(track);
            return;
        }
        try {
            loop.submit(() -> core.declare(track)).syncUninterruptibly();
        } catch (RejectedExecutionException e) {
            // The relay is closed: nothing to declare.
        }
    }

    /** Publishes one object; ownership of {@code object} passes to the relay (released if it is closed). */
    public void publish(TrackName track, long group, ObjectFrame object) {
        try {
            loop.execute(() -> core.publish(track, group, object));
        } catch (RejectedExecutionException e) {
            object.release();
        }
    }

    /** Ends {@code group} of {@code track}: subscribers get FIN after its last object. */
    public void endGroup(TrackName track, long group) {
        run(() -> core.endGroup(track, group));
    }

    /** Announces {@code broadcast} as live or ended to every session. */
    public void announce(String broadcast, boolean live) {
        run(() -> core.onAnnounce(new Announce(broadcast, live)));
    }

    private void run(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // The relay is closed: nothing to publish to.
        }
    }
}
