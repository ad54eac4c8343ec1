package dev.treecast.cli;

import java.util.List;

import org.HdrHistogram.Histogram;

import dev.treecast.gateway.Gateway;
import dev.treecast.ingest.Ingest;
import dev.treecast.loadtest.viewer.NativeViewer;
import dev.treecast.relay.Relay;

/** One status line a second: what flows through the ingest, the relays and the built-in viewers. */
final class Figures {
    private final Ingest ingest;
    private final java.util.function.Supplier<List<Relay>> relays;
    private final java.util.function.Supplier<List<Gateway>> gateways;
    private final List<NativeViewer> viewers;
    private final long startNanos = System.nanoTime();
    private long lastNanos = startNanos;
    private long lastIngestBytes;
    private final java.util.Map<Relay, Long> lastRelayBytes = new java.util.HashMap<>();
    private long lastViewerBytes;

    Figures(Ingest ingest, java.util.function.Supplier<List<Relay>> relays,
            java.util.function.Supplier<List<Gateway>> gateways, List<NativeViewer> viewers) {
        this.ingest = ingest;
        this.relays = relays;
        this.gateways = gateways;
        this.viewers = viewers;
    }

    String line() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
        lastNanos = now;
        long ingestBytes = ingest.metrics().bytes();
        long relayBytes = 0;
        int subscribers = 0;
        java.util.Map<Relay, Long> now_ = new java.util.HashMap<>();
        for (Relay r : relays.get()) {
            long forwarded = r.metrics().bytesForwarded();
            // Per relay, so that relays that come and go (chaos) do not make the sum jump.
            relayBytes += forwarded - lastRelayBytes.getOrDefault(r, 0L);
            now_.put(r, forwarded);
            subscribers += r.metrics().subscribers();
        }
        lastRelayBytes.clear();
        lastRelayBytes.putAll(now_);
        long viewerBytes = 0;
        long lost = 0;
        int connected = 0;
        Histogram latency = new Histogram(3);
        for (NativeViewer v : viewers) {
            viewerBytes += v.bytes();
            lost += v.lost();
            connected += v.isConnected() ? 1 : 0;
            latency.add(v.takeLatency());
        }
        StringBuilder line = new StringBuilder(String.format("[%4ds] ingest: %d groups, %5.2f Mbit/s",
                (now - startNanos) / 1_000_000_000L, ingest.metrics().groups(),
                mbps(ingestBytes - lastIngestBytes, seconds)));
        line.append(String.format(" | %d relays: %d subscribers, %6.2f Mbit/s out", relays.get().size(), subscribers,
                mbps(relayBytes, seconds)));
        if (!gateways.get().isEmpty()) {
            line.append(" | browsers: ").append(gateways.get().stream().mapToInt(Gateway::sessionCount).sum());
        }
        if (!viewers.isEmpty()) {
            line.append(String.format(" | %d/%d viewers: %5.2f Mbit/s each", connected, viewers.size(),
                    mbps(viewerBytes - lastViewerBytes, seconds) / viewers.size()));
            if (latency.getTotalCount() > 0) {
                line.append(String.format(", latency p50 %d ms p99 %d ms", latency.getValueAtPercentile(50) / 1000,
                        latency.getValueAtPercentile(99) / 1000));
            }
            line.append(", lost ").append(lost);
        }
        lastIngestBytes = ingestBytes;
        lastViewerBytes = viewerBytes;
        return line.toString();
    }

    private static double mbps(long bytes, double seconds) {
        return bytes * 8 / seconds / 1e6;
    }
}
