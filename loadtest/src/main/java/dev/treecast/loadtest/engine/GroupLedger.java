package dev.treecast.loadtest.engine;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.SubscriberSession;

/**
 * What the origin published, per track: every group's number and object count, as seen by a reference subscriber
 * on the ingest itself. Viewers' sequence checks use it to find groups that never reached them (group numbers are
 * not consecutive, so a gap in numbers says nothing by itself). Written on the reference's loop, read from any.
 */
final class GroupLedger {
    private final Map<String, ConcurrentSkipListMap<Long, Long>> tracks = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();

    /** Payload bytes the reference received (so that the origin's egress to the tree can leave them out). */
    long bytes() {
        return bytes.get();
    }

    /** Subscribes {@code session} (connected to the ingest) to {@code track} of {@code broadcast}. */
    void record(SubscriberSession session, String broadcast, String track) {
        ConcurrentSkipListMap<Long, Long> groups = tracks.computeIfAbsent(track, t -> new ConcurrentSkipListMap<>());
        session.subscribe(new TrackName(broadcast, track), StartPosition.LATEST, 0,
                new SubscriberSession.SubscriptionListener() {
                    private final Map<Long, Long> counts = new java.util.HashMap<>();

                    @Override
                    public void onSubscribed(OptionalLong latestGroup) {
                    }

                    @Override
                    public void onSubscribeError(ErrorCode code, String reason) {
                    }

                    @Override
                    public void onObject(long group, ObjectFrame object) {
                        counts.merge(group, object.sequence() + 1, Math::max);
                        bytes.addAndGet(object.payloadLength());
                        object.release();
                    }

                    @Override
                    public void onGroupEnd(long group, ErrorCode code) {
                        Long n = counts.remove(group);
                        groups.put(group, n == null ? 0 : n);
                    }
                });
    }

    /** A track's ledger for {@link SequenceTracker}, or null when the track is not recorded. */
    SequenceTracker.Ledger of(String track) {
        ConcurrentSkipListMap<Long, Long> groups = tracks.get(track);
        if (groups == null) {
            return null;
        }
        return (after, before) -> {
            long sum = 0;
            for (long n : groups.subMap(after, false, before, false).values()) {
                sum += n;
            }
            return sum;
        };
    }
}
