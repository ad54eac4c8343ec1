package dev.treecast.ingest;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.ingest.hang.HangPackager;
import io.netty.buffer.ByteBuf;

/**
 * Publishes a {@link HangPackager}'s output in its broadcast: the catalog as a snapshot track, the frames on
 * consecutively numbered tracks that follow the broadcast's groups. Failures are counted and logged (once per track
 * until the next init segment, so a broken stream does not flood the log).
 */
final class HangSink implements HangPackager.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(HangSink.class);

    private final BroadcastPublisher publisher;
    private final Set<String> logged = new HashSet<>();

    HangSink(BroadcastPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void catalog(byte[] json, List<String> frameTracks) {
        publisher.declareConsecutive(frameTracks);
        publisher.publishSnapshot(HangPackager.CATALOG, json);
        logged.clear();
    }

    @Override
    public void frame(String track, ByteBuf payload) {
        publisher.publish(track, false, payload);
    }

    @Override
    public void failed(String track, RuntimeException error) {
        publisher.metrics().hangFailure();
        if (logged.add(track)) {
            LOG.warn("broadcast '{}': cannot package track {} for hang players (CMAF is not affected): {}",
                    publisher.broadcast(), track, error.toString());
        }
    }
}
