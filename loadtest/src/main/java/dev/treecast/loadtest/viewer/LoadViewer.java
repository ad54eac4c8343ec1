package dev.treecast.loadtest.viewer;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.SubscriberSession;

/**
 * A lean viewer for load tests, indifferent to its transport: give it any {@link SubscriberSession} (raw QUIC or
 * WebTransport) as its listener and then {@link #start} it; it subscribes to its tracks at the newest group and
 * counts into the {@link ViewerStats} of its event loop: objects, bytes, latency from each object's ingest timestamp
 * (same machine, same wall clock), objects missing from a group's sequence, groups reset.
 *
 * <p>Everything but {@link #isSubscribed()} and {@link #close()} runs on the session's event loop.
 */
public final class LoadViewer implements SubscriberSession.Listener<SubscriberSession> {
    private final String broadcast;
    private final List<String> tracks;
    private final ViewerStats stats;
    private volatile SubscriberSession session;
    private volatile int subscribed;
    private volatile ErrorCode closedWith;

    public LoadViewer(String broadcast, List<String> tracks, ViewerStats stats) {
        this.broadcast = broadcast;
        this.tracks = List.copyOf(tracks);
        this.stats = stats;
    }

    /** The session is up: subscribe (audio before video, as a player would). */
    public void start(SubscriberSession connected) {
        session = connected;
        for (String track : tracks) {
            connected.subscribe(new TrackName(broadcast, track), StartPosition.LATEST, "audio".equals(track) ? 0 : 1,
                    new TrackListener());
        }
    }

    /** Whether every track's subscription was accepted. */
    public boolean isSubscribed() {
        return subscribed == tracks.size();
    }

    /** How the session ended, or null while it is open. */
    public ErrorCode closedWith() {
        return closedWith;
    }

    public SubscriberSession session() {
        return session;
    }

    public void close() {
        SubscriberSession s = session;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void onClosed(SubscriberSession from, ErrorCode code, String reason) {
        closedWith = code;
        stats.onSessionClosed();
    }

    /** The wall clock in µs, as the ingest stamps objects (same machine, so no offset). */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    /** One track: counts, latency, and the sequence check that finds objects missing inside a group. */
    private final class TrackListener implements SubscriberSession.SubscriptionListener {
        private long group = -1;
        private long nextObject;

        @Override
        public void onSubscribed(OptionalLong latestGroup) {
            subscribed++;
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
        }

        @Override
        public void onObject(long objectGroup, ObjectFrame object) {
            try {
                if (objectGroup == group && object.sequence() > nextObject) {
                    stats.onLost(object.sequence() - nextObject);
                }
                // Groups travel on parallel streams: a late object of an older group is counted, not checked.
                if (objectGroup >= group) {
                    group = objectGroup;
                    nextObject = object.sequence() + 1;
                }
                stats.onObject(object.payloadLength(), object.timestampMicros(), nowMicros());
            } finally {
                object.release();
            }
        }

        @Override
        public void onGroupEnd(long endedGroup, ErrorCode code) {
            stats.onGroupEnd(code);
        }
    }
}
