package dev.treecast.ingest;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.Origin;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Turns one broadcast's stream of payloads into tracks, groups and objects at the root of the tree. Media-agnostic:
 * the caller says which payload starts a group (a keyframe); the other tracks follow the <em>driver</em> track's
 * groups, so a group number means the same moment on every track and a player can start all of them at once.
 *
 * <p>Group numbers start from the wall clock in milliseconds when the broadcast is first published in this
 * process and only go up: an encoder that reconnects, or an ingest that restarts, continues above every group
 * relays may still cache. The catalog track has its own numbering: one group per catalog version.
 *
 * <p>Every object is signed with the ingest's key ({@link ObjectSignature}), so that relays and players can tell
 * what the ingest published from what a relay altered.
 *
 * <p>One source feeds a broadcast at a time ({@link #tryAcquire()}); its calls may come from any single thread.
 */
public final class BroadcastPublisher {
    /** The track that describes the others (JSON) and carries the init segments. */
    public static final String CATALOG = "catalog";

    private final String broadcast;
    private final Origin origin;
    private final Clock clock;
    private final ByteBufAllocator alloc;
    private final IngestMetrics metrics;
    private final ObjectSignature.Signer signer;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final TrackName catalogTrack;
    private final Map<String, TrackState> tracks = new LinkedHashMap<>();
    private String driver;
    private long group = -1;
    private boolean started;
    private long nextCatalogGroup = -1;
    private long droppedBeforeKeyframe;
    // The driver's groups counted from the first group number, for consecutively numbered tracks.
    private long consecutiveGroup = -1;
    private final Map<String, Long> nextSnapshotGroup = new LinkedHashMap<>();

    private static final class TrackState {
        final TrackName name;
        final boolean consecutive;
        long group = -1;
        long nextObject;

        TrackState(TrackName name) {
            this(name, false);
        }

        TrackState(TrackName name, boolean consecutive) {
            this.name = name;
            this.consecutive = consecutive;
        }
    }

    BroadcastPublisher(String broadcast, Origin origin, Clock clock, ByteBufAllocator alloc, IngestMetrics metrics,
                       ObjectSignature.Signer signer) {
        this.broadcast = broadcast;
        this.origin = origin;
        this.clock = clock;
        this.alloc = alloc;
        this.metrics = metrics;
        this.signer = signer;
        this.catalogTrack = new TrackName(broadcast, CATALOG);
        origin.declare(catalogTrack);
    }

    public String broadcast() {
        return broadcast;
    }

    /** Claims the broadcast for one source; false if another source is feeding it. */
    public boolean tryAcquire() {
        return busy.compareAndSet(false, true);
    }

    /**
     * Stops a source's timer, ends the stream and gives the broadcast back: what every built-in source does on
     * close.
     */
    void stopSource(java.util.concurrent.ScheduledExecutorService timer) {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        endOfStream();
        releaseSource();
    }

    /** Gives the broadcast back after {@link #endOfStream()}. */
    public void releaseSource() {
        busy.set(false);
    }

    public boolean isLive() {
        return busy.get();
    }

    /**
     * Declares the media tracks (names in catalog order; {@code driver} starts the groups) and publishes a new
     * catalog version. Tracks of an earlier catalog that are not listed stay declared but receive nothing.
     */
    public synchronized void publishCatalog(byte[] json, List<String> trackNames, String driverTrack) {
        if (!trackNames.contains(driverTrack)) {
            throw new IllegalArgumentException("driver " + driverTrack + " is not among " + trackNames);
        }
        for (String name : trackNames) {
            tracks.computeIfAbsent(name, n -> {
                TrackName track = new TrackName(broadcast, n);
                origin.declare(track);
                return new TrackState(track);
            });
        }
        driver = driverTrack;
        origin.announce(broadcast, true);
        long catalogGroup = nextCatalogGroup < 0 ? clock.millis() : nextCatalogGroup;
        nextCatalogGroup = catalogGroup + 1;
        ByteBuf payload = Unpooled.wrappedBuffer(json);
        origin.publish(catalogTrack, catalogGroup, signed(catalogTrack, catalogGroup, 0, payload));
        origin.endGroup(catalogTrack, catalogGroup);
        metrics.catalog();
    }

    /**
     * Publishes one payload of {@code track}. A payload of the driver track with {@code startsGroup} opens a new
     * group on every track; payloads before the first such one are dropped (a stream must start at a keyframe).
     * Does not take ownership of {@code payload}.
     */
    public synchronized void publish(String track, boolean startsGroup, ByteBuf payload) {
        TrackState state = tracks.get(track);
        if (state == null) {
            throw new IllegalArgumentException("track " + track + " is not in the catalog of " + broadcast);
        }
        if (track.equals(driver) && startsGroup) {
            // Above every earlier group, and close to the wall clock so a restarted ingest stays above too.
            group = Math.max(group + 1, clock.millis());
            consecutiveGroup = consecutiveGroup < 0 ? group : consecutiveGroup + 1;
            started = true;
            metrics.group();
        }
        if (!started) {
            droppedBeforeKeyframe++;
            return;
        }
        long target = state.consecutive ? consecutiveGroup : group;
        if (state.group != target) {
            if (state.group >= 0) {
                origin.endGroup(state.name, state.group);
            }
            state.group = target;
            state.nextObject = 0;
        }
        ObjectFrame frame = signed(state.name, target, state.nextObject++, payload);
        metrics.object(frame.payloadLength());
        origin.publish(state.name, target, frame);
    }

    /**
     * Declares tracks that follow the driver's groups like the catalog's tracks (a keyframe starts a group on
     * them too) but number those groups consecutively: the first group of this publisher has the same number on
     * every track, and each later one is one more, where the other tracks' numbers jump with the clock. For
     * players that take a gap in group numbers for a lost group (hang's, see {@code docs/hang.md}). Idempotent;
     * a track keeps the numbering it was first declared with.
     */
    public synchronized void declareConsecutive(List<String> trackNames) {
        for (String name : trackNames) {
            tracks.computeIfAbsent(name, n -> {
                TrackName track = new TrackName(broadcast, n);
                origin.declare(track);
                return new TrackState(track, true);
            });
        }
    }

    /**
     * Publishes a new version of a document track other than {@link #CATALOG} (another player's catalog), the way
     * the catalog is published: a new group holding one object, ended at once. Its groups are numbered like the
     * catalog's, from the clock, one per version.
     */
    public synchronized void publishSnapshot(String trackName, byte[] json) {
        if (tracks.containsKey(trackName) || CATALOG.equals(trackName)) {
            throw new IllegalArgumentException("track " + trackName + " is a media track or the catalog");
        }
        TrackName track = new TrackName(broadcast, trackName);
        origin.declare(track);
        long snapshotGroup = nextSnapshotGroup.getOrDefault(trackName, clock.millis());
        nextSnapshotGroup.put(trackName, snapshotGroup + 1);
        origin.publish(track, snapshotGroup, signed(track, snapshotGroup, 0, Unpooled.wrappedBuffer(json)));
        origin.endGroup(track, snapshotGroup);
    }

    IngestMetrics metrics() {
        return metrics;
    }

    /**
     * The source ended (cleanly or not): every open group is ended, so subscribers see whole groups. The next
     * source continues with the next group number.
     */
    public synchronized void endOfStream() {
        for (TrackState state : tracks.values()) {
            if (state.group >= 0) {
                origin.endGroup(state.name, state.group);
                state.group = -1;
            }
        }
        // A new source must start with a keyframe again; its groups continue above this one.
        started = false;
        driver = null;
        long dropped = droppedBeforeKeyframe;
        droppedBeforeKeyframe = 0;
        metrics.droppedBeforeKeyframe(dropped);
    }

    /** The group now being published, or -1. */
    public synchronized long currentGroup() {
        return group;
    }

    /** Whether a group has started since the last {@link #endOfStream()}. */
    public synchronized boolean isStarted() {
        return started;
    }

    /** One object, signed over its names, numbers and payload ({@link ObjectSignature}); the payload is copied. */
    private ObjectFrame signed(TrackName track, long groupSequence, long sequence, ByteBuf payload) {
        long timestamp = nowMicros();
        byte[] signature = signer.sign(track, groupSequence, sequence, timestamp, payload);
        return ObjectFrame.encode(alloc, sequence, timestamp, Unpooled.wrappedBuffer(signature), payload);
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
