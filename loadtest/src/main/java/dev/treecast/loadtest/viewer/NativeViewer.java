package dev.treecast.loadtest.viewer;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.HdrHistogram.Recorder;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import io.netty.util.concurrent.Future;

/**
 * A viewer that speaks {@code treecast/1} over raw QUIC: subscribes to the given tracks at the newest group and
 * measures what it receives: objects, bytes, latency from each object's ingest timestamp, and objects lost
 * (a gap in the object sequence of a group, or a group reset before its end). Runs entirely on the endpoint's
 * event loop; thousands share a few loops.
 */
public final class NativeViewer implements AutoCloseable {
    private final String name;
    private final List<String> tracks;
    private final String broadcast;
    private final LongSupplier clockMicros;
    private final Recorder latencyMicros = new Recorder(3);
    private volatile long objects;
    private volatile long bytes;
    private volatile long lost;
    private volatile long groupsReset;
    private volatile String relay;
    private volatile ClientSession session;

    public NativeViewer(String name, String broadcast, List<String> tracks, LongSupplier clockMicros) {
        this.name = name;
        this.broadcast = broadcast;
        this.tracks = List.copyOf(tracks);
        this.clockMicros = clockMicros;
    }

    /** Connects to {@code relay} and subscribes; the future completes once connected. */
    public Future<ClientSession> connect(QuicClientEndpoint endpoint, InetSocketAddress relayAddress) {
        Future<ClientSession> connected = ClientSession.connect(endpoint, relayAddress,
                ClientSession.Options.viewer(name), new ClientSession.Listener() {
                });
        connected.addListener((Future<ClientSession> f) -> {
            if (!f.isSuccess()) {
                return;
            }
            ClientSession s = f.getNow();
            session = s;
            relay = s.peerNodeId();
            for (String track : tracks) {
                s.subscribe(new TrackName(broadcast, track), StartPosition.LATEST, "audio".equals(track) ? 0 : 1,
                        new TrackListener());
            }
        });
        return connected;
    }

    /** Events of one track: counts, latency, and the sequence checks that find lost objects. */
    private final class TrackListener implements ClientSession.SubscriptionListener {
        private final Map<Long, Long> nextObject = new HashMap<>();

        @Override
        public void onSubscribed(OptionalLong latestGroup) {
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
        }

        @Override
        public void onObject(long group, ObjectFrame object) {
            try {
                Long expected = nextObject.get(group);
                if (expected != null && object.sequence() > expected) {
                    lost += object.sequence() - expected;
                }
                nextObject.put(group, object.sequence() + 1);
                objects++;
                bytes += object.payloadLength();
                long latency = clockMicros.getAsLong() - object.timestampMicros();
                latencyMicros.recordValue(Math.max(0, Math.min(latency, TimeUnit.MINUTES.toMicros(10))));
            } finally {
                object.release();
            }
        }

        @Override
        public void onGroupEnd(long group, ErrorCode code) {
            nextObject.remove(group);
            if (code != ErrorCode.NO_ERROR) {
                groupsReset++;
            }
        }
    }

    /** Latency samples since the last call (ingest timestamp to arrival, µs). */
    public org.HdrHistogram.Histogram takeLatency() {
        return latencyMicros.getIntervalHistogram();
    }

    public long objects() {
        return objects;
    }

    public long bytes() {
        return bytes;
    }

    public long lost() {
        return lost;
    }

    public long groupsReset() {
        return groupsReset;
    }

    /** The node id of the relay this viewer is on. */
    public String relay() {
        return relay;
    }

    public boolean isConnected() {
        ClientSession s = session;
        return s != null && s.isOpen();
    }

    @Override
    public void close() {
        ClientSession s = session;
        if (s != null) {
            s.close();
        }
    }
}
