package dev.treecast.ingest.hang;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import dev.treecast.media.CmafException;
import dev.treecast.media.DecoderConfigs;
import dev.treecast.media.Fragment;
import dev.treecast.media.FragmentSamples;
import dev.treecast.media.InitSegment;
import dev.treecast.media.Sample;
import dev.treecast.media.Track;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Derives the hang tracks that {@code @moq/watch} plays from the same per-track CMAF fragments the ingest
 * publishes (see {@code docs/hang.md}): a catalog on {@value #CATALOG} with a WebCodecs config per track, and per
 * media track a frame track (its CMAF name plus {@value #SUFFIX}) with one frame per sample: the sample's
 * presentation time in microseconds as a QUIC varint, then the sample's bytes as they are in the {@code mdat}.
 *
 * <p>A state machine with no threads and no clock: it reads only media times, and hands what it makes to a
 * {@link Sink}. Not thread-safe: one source, one thread. It never throws: a track whose samples cannot be read is
 * reported to {@link Sink#failed} and skipped until its next fragment that starts with a sync sample, so the CMAF
 * tracks (published before, by the caller) are never affected.
 */
public final class HangPackager {
    /** The track of the hang catalog, the name {@code @moq/hang} looks for. */
    public static final String CATALOG = "catalog.json";
    /** Appended to a CMAF track's name to name its hang frame track. */
    public static final String SUFFIX = ".hang";
    /** Live jitter estimates are rounded up to this, so that small variations do not make new catalog versions. */
    static final long LIVE_JITTER_STEP_MILLIS = 100;
    private static final long MAX_JITTER_SECONDS = 3600;

    /** Where the packager's output goes. */
    public interface Sink {
        /** Declares {@code frameTracks} and publishes {@code json} as a new version of the catalog. */
        void catalog(byte[] json, List<String> frameTracks);

        /** Publishes one frame on {@code track}; does not take ownership of {@code payload}. */
        void frame(String track, ByteBuf payload);

        /** Reading the samples of {@code track} failed (the CMAF path is not affected). */
        void failed(String track, RuntimeException error);
    }

    private static final class TrackState {
        final String name;
        final Track track;
        final byte[] description;
        long jitterMillis;
        boolean broken;

        TrackState(String name, Track track, byte[] description, long jitterMillis) {
            this.name = name;
            this.track = track;
            this.description = description;
            this.jitterMillis = jitterMillis;
        }
    }

    private final Sink sink;
    private final ByteBufAllocator alloc;
    private final Map<Integer, TrackState> tracks = new LinkedHashMap<>();
    private InitSegment init;
    private boolean live;
    private boolean catalogPublished;

    public HangPackager(Sink sink, ByteBufAllocator alloc) {
        this.sink = sink;
        this.alloc = alloc;
    }

    /**
     * A new init segment: the hang tracks are now those of {@code cmafNames} (track_ID to CMAF track name) whose
     * decoder config can be read from {@code trackInit} (each track's own init segment).
     *
     * @param knownJitterMillis the jitter of each track when the whole stream is known ahead (a clip): the
     *     catalog is published now; null for a live stream: the catalog is published with the first fragments,
     *     whose durations are the first jitter estimates
     */
    public void init(InitSegment init, IntFunction<ByteBuf> trackInit, Map<Integer, String> cmafNames,
                     Map<Integer, Long> knownJitterMillis) {
        this.init = init;
        tracks.clear();
        live = knownJitterMillis == null;
        catalogPublished = false;
        for (Map.Entry<Integer, String> e : cmafNames.entrySet()) {
            String name = e.getValue() + SUFFIX;
            try {
                Track track = init.track(e.getKey());
                byte[] description = DecoderConfigs.of(trackInit.apply(e.getKey()), e.getKey());
                long jitter = live ? 0 : knownJitterMillis.getOrDefault(e.getKey(), 0L);
                tracks.put(e.getKey(), new TrackState(name, track, description, jitter));
            } catch (RuntimeException ex) {
                sink.failed(name, ex);
            }
        }
        if (!live) {
            publishCatalog();
        }
    }

    /** The fragments of one {@code moof}, each already published on its CMAF track. */
    public void fragments(List<Fragment> fragments) {
        List<Integer> ids = new ArrayList<>(fragments.size());
        List<ByteBuf> contents = new ArrayList<>(fragments.size());
        for (Fragment f : fragments) {
            ids.add(f.trackId());
            contents.add(f.content());
        }
        batch(ids, contents);
    }

    /** One fragment of track {@code trackId} (its {@code moof} + {@code mdat}), already published on CMAF. */
    public void fragment(int trackId, ByteBuf content) {
        batch(List.of(trackId), List.of(content));
    }

    private void batch(List<Integer> ids, List<ByteBuf> contents) {
        if (init == null) {
            return;
        }
        // Read every fragment first, so that one catalog version covers all of them.
        List<List<Sample>> read = new ArrayList<>(ids.size());
        boolean grew = false;
        for (int i = 0; i < ids.size(); i++) {
            TrackState state = tracks.get(ids.get(i));
            List<Sample> samples = null;
            if (state != null) {
                try {
                    samples = FragmentSamples.of(init, contents.get(i));
                } catch (RuntimeException e) {
                    state.broken = true;
                    sink.failed(state.name, e);
                }
            }
            if (samples != null && state.broken) {
                // After a failure the track's decoder needs a sync sample before anything else.
                if (!samples.isEmpty() && samples.get(0).sync()) {
                    state.broken = false;
                } else {
                    samples = null;
                }
            }
            if (samples != null && live && !samples.isEmpty()) {
                long jitter = jitterEstimate(samples, state.track.timescale());
                if (jitter > state.jitterMillis) {
                    state.jitterMillis = jitter;
                    grew = true;
                }
            }
            read.add(samples);
        }
        if (grew || (!catalogPublished && read.stream().anyMatch(s -> s != null))) {
            publishCatalog();
        }
        for (int i = 0; i < ids.size(); i++) {
            List<Sample> samples = read.get(i);
            if (samples != null) {
                TrackState state = tracks.get(ids.get(i));
                try {
                    frames(state, contents.get(i), samples);
                } catch (RuntimeException e) {
                    state.broken = true;
                    sink.failed(state.name, e);
                }
            }
        }
    }

    private void frames(TrackState state, ByteBuf content, List<Sample> samples) {
        long timescale = state.track.timescale();
        for (Sample s : samples) {
            if (s.length() == 0) {
                // An empty frame is a marker to @moq/hang, not a sample.
                continue;
            }
            long micros = micros(s.presentationTime(), timescale);
            ByteBuf payload = alloc.buffer(Varint.encodedLength(micros) + s.length());
            try {
                Varint.write(payload, micros);
                payload.writeBytes(content, content.readerIndex() + s.offset(), s.length());
                sink.frame(state.name, payload);
            } finally {
                payload.release();
            }
        }
    }

    /** {@code ticks} of {@code timescale} in microseconds, rounded to the nearest. */
    static long micros(long ticks, long timescale) {
        if (ticks < 0) {
            throw new CmafException("presentation time " + ticks + "/" + timescale
                    + " s is before 0 (a negative composition offset before the first sample)");
        }
        long whole = ticks / timescale;
        long rest = ticks % timescale;
        if (whole > Varint.MAX / 1_000_000 - 1) {
            throw new CmafException("presentation time " + ticks + "/" + timescale + " s is too large");
        }
        return whole * 1_000_000 + (rest * 1_000_000 + timescale / 2) / timescale;
    }

    // A fragment is available only once its last sample is, so its first sample waits its whole duration.
    private static long jitterEstimate(List<Sample> samples, long timescale) {
        long ticks = 0;
        for (Sample s : samples) {
            ticks += s.duration();
        }
        // Durations are 32-bit, so this only caps an absurd fragment (and keeps the arithmetic from overflowing).
        ticks = Math.min(ticks, MAX_JITTER_SECONDS * timescale);
        long millis = (ticks * 1000 + timescale - 1) / timescale;
        return (millis + LIVE_JITTER_STEP_MILLIS - 1) / LIVE_JITTER_STEP_MILLIS * LIVE_JITTER_STEP_MILLIS;
    }

    private void publishCatalog() {
        List<HangCatalog.Rendition> renditions = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (TrackState t : tracks.values()) {
            renditions.add(new HangCatalog.Rendition(t.name, t.track, t.description, t.jitterMillis));
            names.add(t.name);
        }
        if (names.isEmpty()) {
            return;
        }
        sink.catalog(HangCatalog.json(renditions), names);
        catalogPublished = true;
    }
}
