package dev.treecast.loadtest.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.treecast.gateway.client.WebTransportSession;
import dev.treecast.loadtest.model.Reconnect;
import dev.treecast.loadtest.model.ScenarioSpec;
import dev.treecast.loadtest.model.Step;
import dev.treecast.loadtest.report.EventLog;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.GoAway;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.SubscriberSession;
import io.netty.util.concurrent.Future;

/**
 * One simulated viewer, living entirely on its {@link ViewerLoop}'s thread (no thread of its own): it runs its
 * scenario's steps, and for a watch step connects to an edge, subscribes to the rendition (and audio) at the newest
 * keyframe, feeds a {@link Playback} with the video objects, checks every track's sequence for lost and duplicate
 * objects, and reconnects when its edge closes, says GOAWAY or goes silent, resuming from the object after the last
 * one it received. It logs what a viewer experiences: first frame, stalls, reconnects, and its totals at the end.
 */
final class VirtualViewer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VirtualViewer.class);
    /** A live object later than this is logged at DEBUG (which viewer, which edge, which object). */
    private static final long LATE_MICROS = 1_000_000;
    private final long id;
    private final ScenarioSpec scenario;
    private final ViewerLoop home;
    private final RunContext context;
    private final Random random;
    private final Consumer<VirtualViewer> onEnded;
    private int step;
    private boolean ended;
    private io.netty.util.concurrent.ScheduledFuture<?> pending;

    // Totals over the whole scenario.
    private long watchedNanos;
    private long objects;
    private long bytes;
    private long lost;
    private long duplicates;
    private long stalls;
    private long stalledNanos;
    private long reconnects;

    // The watch step in progress (null between watch steps).
    private Step.Watch watch;
    private long watchEndNanos;
    private Playback playback;
    private final List<TrackState> tracks = new ArrayList<>();
    private final Set<String> avoid = new HashSet<>();
    /** Bumped at every connection attempt and at the end of a watch: callbacks of older ones are ignored. */
    private int generation;
    private SubscriberSession session;
    private String edgeNode;
    /** The edge as it was chosen ({@link Edge#node()}: an address for a QUIC relay), which {@code avoid} must name. */
    private String chosenNode;
    private boolean connecting;
    private int attempts;
    private long lastHeardNanos;
    /** When the last object arrived (the start of a viewer's interruption), or when the watch began. */
    private long lastObjectNanos;
    private long reconnectNoticedNanos = -1;
    private String reconnectFrom;
    private String reconnectReason;

    VirtualViewer(long id, ScenarioSpec scenario, ViewerLoop home, Random random, Consumer<VirtualViewer> onEnded) {
        this.id = id;
        this.scenario = scenario;
        this.home = home;
        this.context = home.context;
        this.random = random;
        this.onEnded = onEnded;
    }

    long id() {
        return id;
    }

    ScenarioSpec scenario() {
        return scenario;
    }

    /** Starts the scenario. Loop thread only. */
    void start() {
        home.add(this);
        context.figures().started.increment();
        context.log().viewerStarted(context.t(now()), id, scenario.name());
        runStep();
    }

    private long now() {
        return context.monotonicNanos().getAsLong();
    }

    private void runStep() {
        if (ended) {
            return;
        }
        if (step >= scenario.steps().size()) {
            finish(null);
            return;
        }
        switch (scenario.steps().get(step)) {
            case Step.Pause p -> {
                long min = p.min().toNanos();
                long span = p.max().toNanos() - min;
                long pause = min + (span == 0 ? 0 : (long) (random.nextDouble() * span));
                step++;
                pending = home.loop.schedule(this::runStep, pause, TimeUnit.NANOSECONDS);
            }
            case Step.Watch w -> beginWatch(w);
        }
    }

    // ------------------------------------------------------------------------------------------------ watching

    private void beginWatch(Step.Watch w) {
        long now = now();
        watch = w;
        watchEndNanos = now + w.duration().toNanos();
        playback = new Playback(w.startupBuffer().toNanos() / 1000, now);
        tracks.clear();
        tracks.add(new TrackState(w.rendition(), true));
        if (w.audio()) {
            tracks.add(new TrackState("audio", false));
        }
        avoid.clear();
        attempts = 0;
        lastObjectNanos = now;
        reconnectNoticedNanos = -1;
        connect();
    }

    private void connect() {
        int gen = ++generation;
        connecting = true;
        Step.Watch w = watch;
        context.edges().choose(w.transport(), w.broadcast(), Set.copyOf(avoid))
                .whenComplete((edge, error) -> home.loop.execute(() -> onEdge(gen, edge, error)));
    }

    private void onEdge(int gen, Edge edge, Throwable error) {
        if (gen != generation || watch == null) {
            return;
        }
        if (error != null) {
            connectFailed(null, rootMessage(error));
            return;
        }
        SubscriberSession.Options options = SubscriberSession.Options.viewer("viewer-" + id);
        Listener listener = new Listener(gen);
        try {
            Future<? extends SubscriberSession> connected = edge.quic() != null
                    ? ClientSession.connect(home.quic(), edge.quic(), options, listener)
                    : WebTransportSession.connect(home.webTransport(), edge.webTransport(), options, listener);
            connected.addListener(f -> onConnected(gen, edge, connected));
        } catch (Exception e) {
            connectFailed(edge, rootMessage(e));
        }
    }

    private void onConnected(int gen, Edge edge, Future<? extends SubscriberSession> f) {
        if (gen != generation || watch == null) {
            if (f.isSuccess()) {
                f.getNow().close();
            }
            return;
        }
        if (!f.isSuccess()) {
            connectFailed(edge, rootMessage(f.cause()));
            return;
        }
        session = f.getNow();
        connecting = false;
        edgeNode = session.peerNodeId() != null ? session.peerNodeId() : edge.node();
        chosenNode = edge.node();
        lastHeardNanos = now();
        for (TrackState t : tracks) {
            t.subscribe(gen);
        }
    }

    private void connectFailed(Edge edge, String reason) {
        if (edge != null) {
            avoid.add(edge.node());
        }
        connecting = false;
        Reconnect policy = watch.reconnect();
        attempts++;
        if (!policy.enabled() || attempts > Math.max(1, policy.maxAttempts())) {
            endWatch("cannot connect" + (edge == null ? "" : " to " + edge.node()) + ": " + reason);
            return;
        }
        if (reconnectNoticedNanos < 0) {
            noteReconnect(edge == null ? null : edge.node(), "connect failed: " + reason);
        }
        generation++;
        connecting = true;
        pending = home.loop.schedule(this::connect, policy.backoff().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The edge closed, said GOAWAY or went silent: go elsewhere, or give up if the scenario says so. */
    private void edgeLost(String reason) {
        if (watch == null || connecting) {
            return;
        }
        String from = edgeNode;
        SubscriberSession old = session;
        session = null;
        if (old != null) {
            old.close(ErrorCode.NO_ERROR, "viewer leaves: " + reason);
        }
        if (!watch.reconnect().enabled()) {
            endWatch("edge " + from + " lost: " + reason);
            return;
        }
        if (from != null) {
            avoid.add(from);
        }
        if (chosenNode != null) {
            // The edge source knows a QUIC relay by its address, not by the node id its SETUP gave: avoiding only the
            // node id sent every other viewer of a vanished relay back to it, to wait out a connect timeout.
            avoid.add(chosenNode);
        }
        noteReconnect(from, reason);
        attempts = 1;
        connect();
    }

    private void noteReconnect(String from, String reason) {
        reconnectNoticedNanos = now();
        reconnectFrom = from;
        reconnectReason = reason;
        reconnects++;
    }

    /** The loop's ticker: playhead, watch end, silence. */
    void tick(long now) {
        if (watch == null) {
            return;
        }
        if (now - watchEndNanos >= 0) {
            endWatch(null);
            return;
        }
        onPlayback(playback.tick(now), now);
        long silence = watch.reconnect().silence().toNanos();
        if (session != null && !connecting && now - lastHeardNanos > silence) {
            edgeLost("silent for " + (now - lastHeardNanos) / 1_000_000 + " ms");
        }
    }

    private void onPlayback(Playback.Change change, long now) {
        switch (change) {
            case FIRST_FRAME -> {
                long startup = playback.startupNanos();
                context.startupMicros().recordValue(startup / 1000);
                context.log().firstFrame(context.t(now), id, startup / 1e6, edgeNode);
            }
            case STALL_ENDED -> {
                context.figures().stalls.increment();
                context.log().stall(context.t(playback.stallStartNanos()), id, playback.lastStallNanos() / 1e6);
            }
            case STALL_STARTED, NONE -> {
            }
        }
    }

    private void onObject(TrackState track, long group, ObjectFrame object) {
        long now = now();
        if (!track.tracker.onObject(group, object.sequence())) {
            duplicates++;
            home.onDuplicate();
            return;
        }
        track.delivered(group, object.sequence());
        objects++;
        bytes += object.payloadLength();
        long latencyMicros = context.wallMicros().getAsLong() - object.timestampMicros();
        boolean live = object.timestampMicros() >= track.liveFromMicros;
        home.onObject(object.payloadLength(), latencyMicros, live);
        if (live && latencyMicros > LATE_MICROS && LOG.isDebugEnabled()) {
            LOG.debug("viewer {} on {}: object {}/{} of {} arrived {} ms after the ingest stamped it", id, edgeNode,
                    group, object.sequence(), track.name, latencyMicros / 1000);
        }
        track.countLost();
        attempts = 0;
        if (reconnectNoticedNanos >= 0) {
            // What the viewer lived through: from the last object of the old edge to the first of the new one
            // (noticing the loss, by close or by silence, is part of it).
            context.log().reconnect(context.t(now), id, reconnectFrom, edgeNode, reconnectReason,
                    (now - lastObjectNanos) / 1e6);
            context.figures().reconnects.increment();
            reconnectNoticedNanos = -1;
        }
        lastHeardNanos = now;
        lastObjectNanos = now;
        if (track.video) {
            onPlayback(playback.onMedia(object.timestampMicros(), now), now);
        }
    }

    /** Ends the watch step; {@code failure} null means it ran its whole duration. */
    private void endWatch(String failure) {
        if (watch == null) {
            return;
        }
        long now = now();
        generation++;
        boolean wasStalled = playback.stalled();
        playback.end(now);
        if (wasStalled) {
            context.figures().stalls.increment();
            context.log().stall(context.t(playback.stallStartNanos()), id, playback.lastStallNanos() / 1e6);
        }
        if (playback.started()) {
            watchedNanos += now - playback.firstFrameNanos();
        }
        stalls += playback.stalls();
        stalledNanos += playback.stalledNanos(now);
        for (TrackState t : tracks) {
            t.tracker.finish();
            t.countLost();
        }
        SubscriberSession old = session;
        session = null;
        if (old != null) {
            old.close();
        }
        watch = null;
        connecting = false;
        if (failure != null) {
            finish(failure);
        } else {
            step++;
            runStep();
        }
    }

    /** The run is over: end now, as if the watch had run its course. */
    void stop() {
        if (pending != null) {
            pending.cancel(false);
        }
        if (watch != null) {
            step = scenario.steps().size();
            endWatch(null);
        } else {
            finish(null);
        }
    }

    private void finish(String failure) {
        if (ended) {
            return;
        }
        ended = true;
        home.remove(this);
        context.figures().ended.increment();
        if (failure != null) {
            context.figures().failed.increment();
        }
        context.log().viewerEnded(context.t(now()), id, new EventLog.ViewerTotals(watchedNanos / 1_000_000, objects,
                bytes, lost, duplicates, stalls, stalledNanos / 1_000_000, reconnects, failure));
        onEnded.accept(this);
    }

    boolean stalling() {
        return playback != null && watch != null && playback.stalled();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : m;
    }

    // ------------------------------------------------------------------------------------------------ tracks

    /** One subscribed track: its sequence check, and what the current subscription delivered of each group. */
    private final class TrackState {
        final String name;
        final boolean video;
        final SequenceTracker tracker;
        /** Objects stamped before this are the catch-up burst of the join: not live, so not in the latency. */
        long liveFromMicros;
        private long countedLost;
        /** Highest object + 1 the current subscription delivered per group, and where it started. */
        private final Map<Long, Long> deliveredEnd = new HashMap<>();
        private long startGroup = -1;
        private long startObject = -1;

        TrackState(String name, boolean video) {
            this.name = name;
            this.video = video;
            this.tracker = new SequenceTracker(context.ledger() == null ? null : context.ledger().of(name));
        }

        void subscribe(int gen) {
            long[] resume = tracker.resumePoint();
            StartPosition start = resume[0] < 0 ? StartPosition.LATEST : new StartPosition.At(resume[0], resume[1]);
            if (resume[0] < 0) {
                liveFromMicros = context.wallMicros().getAsLong();
            }
            deliveredEnd.clear();
            startGroup = resume[0];
            startObject = resume[1];
            session.subscribe(new TrackName(watch.broadcast(), name), start, video ? 1 : 0, new Sub(this, gen));
        }

        void delivered(long group, long sequence) {
            deliveredEnd.merge(group, sequence + 1, Math::max);
            if (deliveredEnd.size() > 8) {
                deliveredEnd.keySet().removeIf(g -> g < group - 4);
            }
        }

        void groupEnd(long group) {
            Long end = deliveredEnd.remove(group);
            if (end == null && group == startGroup) {
                end = startObject;
            }
            if (end != null) {
                tracker.onGroupEnd(group, end);
            }
        }

        void countLost() {
            long now = tracker.lost();
            if (now != countedLost) {
                home.onLost(now - countedLost);
                lost += now - countedLost;
                countedLost = now;
            }
        }
    }

    /** Callbacks of one subscription; those of a replaced connection are dropped. */
    private final class Sub implements SubscriberSession.SubscriptionListener {
        private final TrackState track;
        private final int gen;

        Sub(TrackState track, int gen) {
            this.track = track;
            this.gen = gen;
        }

        @Override
        public void onSubscribed(OptionalLong latestGroup) {
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
            if (gen == generation) {
                edgeLost("subscribe " + track.name + " refused: " + code + " " + reason);
            }
        }

        @Override
        public void onObject(long group, ObjectFrame object) {
            try {
                if (gen == generation && watch != null) {
                    VirtualViewer.this.onObject(track, group, object);
                }
            } finally {
                object.release();
            }
        }

        @Override
        public void onGroupEnd(long group, ErrorCode code) {
            if (gen == generation && watch != null && code == ErrorCode.NO_ERROR) {
                track.groupEnd(group);
            }
        }
    }

    /** Session events of one connection attempt. */
    private final class Listener implements SubscriberSession.Listener<SubscriberSession> {
        private final int gen;

        Listener(int gen) {
            this.gen = gen;
        }

        @Override
        public void onControl(SubscriberSession from, ControlMessage message) {
            if (message instanceof GoAway && gen == generation) {
                edgeLost("GOAWAY");
            }
        }

        @Override
        public void onClosed(SubscriberSession from, ErrorCode code, String reason) {
            if (gen == generation && from == session) {
                edgeLost("closed: " + code + (reason == null || reason.isEmpty() ? "" : " " + reason));
            }
        }
    }
}
