package dev.treecast.loadtest.dsl;

import java.time.Duration;

import dev.treecast.loadtest.model.Reconnect;
import dev.treecast.loadtest.model.Step;
import dev.treecast.loadtest.model.ViewerTransport;

/**
 * Watch a broadcast for a while. Defaults: rendition {@code video}, audio on, {@link ViewerTransport#WEBTRANSPORT},
 * a 200 ms startup buffer and {@link Reconnect#DEFAULT}. Each method returns a new step.
 */
public final class WatchStep implements StepBuilder {
    static final String DEFAULT_RENDITION = "video";
    static final Duration DEFAULT_STARTUP_BUFFER = Duration.ofMillis(200);

    private final Step.Watch watch;

    WatchStep(String broadcast, Duration duration) {
        this(new Step.Watch(broadcast, DEFAULT_RENDITION, true, duration, ViewerTransport.WEBTRANSPORT,
                DEFAULT_STARTUP_BUFFER, Reconnect.DEFAULT));
    }

    private WatchStep(Step.Watch watch) {
        this.watch = watch;
    }

    /** Subscribe to this video track instead of {@code video}. */
    public WatchStep rendition(String track) {
        Step.Watch w = watch;
        return new WatchStep(new Step.Watch(w.broadcast(), track, w.audio(), w.duration(), w.transport(),
                w.startupBuffer(), w.reconnect()));
    }

    /** Do not subscribe to the {@code audio} track. */
    public WatchStep withoutAudio() {
        Step.Watch w = watch;
        return new WatchStep(new Step.Watch(w.broadcast(), w.rendition(), false, w.duration(), w.transport(),
                w.startupBuffer(), w.reconnect()));
    }

    /** Reach the edge this way. */
    public WatchStep over(ViewerTransport transport) {
        Step.Watch w = watch;
        return new WatchStep(new Step.Watch(w.broadcast(), w.rendition(), w.audio(), w.duration(), transport,
                w.startupBuffer(), w.reconnect()));
    }

    /** Buffer this much media before playback starts. */
    public WatchStep startupBuffer(Duration buffer) {
        Step.Watch w = watch;
        return new WatchStep(new Step.Watch(w.broadcast(), w.rendition(), w.audio(), w.duration(), w.transport(),
                buffer, w.reconnect()));
    }

    /**
     * Reconnect once the edge has been silent this long; the attempts and backoff stay as they were (those of
     * {@link Reconnect#DEFAULT} when reconnecting was off).
     */
    public WatchStep reconnectAfterSilence(Duration silence) {
        Reconnect base = watch.reconnect().enabled() ? watch.reconnect() : Reconnect.DEFAULT;
        return reconnect(new Reconnect(true, silence, base.maxAttempts(), base.backoff()));
    }

    /** Never reconnect: a viewer whose edge dies stops watching and counts as failed. */
    public WatchStep noReconnect() {
        return reconnect(Reconnect.NEVER);
    }

    /** Reconnect exactly so. */
    public WatchStep reconnect(Reconnect reconnect) {
        Step.Watch w = watch;
        return new WatchStep(new Step.Watch(w.broadcast(), w.rendition(), w.audio(), w.duration(), w.transport(),
                w.startupBuffer(), reconnect));
    }

    @Override
    public Step.Watch step() {
        return watch;
    }

    @Override
    public String toString() {
        return watch.toString();
    }
}
