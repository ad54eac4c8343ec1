package dev.treecast.loadtest.model;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/** Where the viewers go. */
public sealed interface Target {

    /**
     * A cluster the run starts in this process from the demo's embeddable objects (ingest + self-building tree +
     * a WebTransport gateway on every leaf), so that chaos steps can really kill, hang and drain relays.
     *
     * @param levels        relays per level, top first (e.g. [2, 4])
     * @param source        what the ingest publishes
     * @param bitsPerSecond for {@link Source#SYNTHETIC}, the stream's bitrate
     * @param replaceKilled start a fresh relay at the same level after a kill or drain
     * @param viewerCapacity browser viewers each leaf takes before the director looks elsewhere
     */
    record InProcess(List<Integer> levels, Source source, long bitsPerSecond, boolean replaceKilled,
                     int viewerCapacity) implements Target {
        public InProcess {
            levels = List.copyOf(levels);
            if (levels.isEmpty() || levels.stream().anyMatch(n -> n < 1)) {
                throw new IllegalArgumentException("each level needs at least one relay, got " + levels);
            }
            Objects.requireNonNull(source, "source");
            if (source == Source.SYNTHETIC && bitsPerSecond <= 0) {
                throw new IllegalArgumentException("a synthetic source needs a bitrate > 0");
            }
            if (viewerCapacity < 1) {
                throw new IllegalArgumentException("viewer capacity must be >= 1, got " + viewerCapacity);
            }
        }
    }

    /** What an in-process ingest publishes. */
    enum Source {
        /** The built-in looping clip (the demo's: real H.264 + AAC CMAF). */
        CLIP,
        /** Synthetic objects at a given bitrate (30 a second, a group a second). */
        SYNTHETIC
    }

    /**
     * A fleet already running elsewhere. WebTransport viewers ask {@code director} (the ingest's HTTP base URL,
     * e.g. {@code http://ingest:8080}); QUIC viewers are spread over {@code relays} ({@code treecast/1} ports).
     * {@code reference}, when given, is the ingest's {@code treecast/1} address: a subscriber there records every
     * group published, so that viewers' sequence checks find whole groups that never reached them (without it
     * only objects missing within the groups a viewer saw are found).
     */
    record Fleet(URI director, List<InetSocketAddress> relays, InetSocketAddress reference) implements Target {
        public Fleet {
            relays = List.copyOf(relays);
            if (director == null && relays.isEmpty()) {
                throw new IllegalArgumentException("a fleet target needs a director URL or relay addresses");
            }
        }

        /** Without a reference subscriber. */
        public Fleet(URI director, List<InetSocketAddress> relays) {
            this(director, relays, null);
        }
    }
}
