package dev.treecast.loadtest.model;

import java.util.List;

import org.HdrHistogram.Histogram;

/**
 * What a run amounted to, computed from its event log after the run; assertions are evaluated against it. Times in
 * the histograms are microseconds; the other fields say their unit.
 *
 * @param latencyMicros    every object's latency, ingest timestamp to arrival at a viewer
 * @param startupMicros    every viewer's time to first frame (start of its watch step to playback start)
 * @param reconnectMicros  every viewer reconnect that succeeded: last object from the old edge to the first from
 *                         the new one (the interruption the viewer lived through, noticing it included)
 * @param relayRepairMicros every relay repair in the in-process cluster: parent declared dead to attached again
 * @param watchedMillis    total time viewers spent in watch steps after their first frame
 * @param stallMillis      total time viewers spent stalled
 * @param originBytes      bytes the ingest sent to its children (the origin's egress; -1 when unknown)
 * @param deliveredBytes   payload bytes viewers received
 * @param chaos            the chaos events, in order, as "t=12.0s kill relay-1.2" lines
 */
public record Summary(String simulation, long durationMillis, long viewersStarted, long viewersCompleted,
                      long viewersFailed, int peakActiveViewers, Histogram latencyMicros, Histogram startupMicros,
                      long stalls, long stallMillis, long watchedMillis, long objects, long lostObjects,
                      long duplicateObjects, long reconnects, Histogram reconnectMicros, long relayRepairs,
                      Histogram relayRepairMicros, long originBytes, long deliveredBytes, List<String> chaos) {
    public Summary {
        chaos = List.copyOf(chaos);
    }

    /** Stalled time over watched time (0 when nothing was watched). */
    public double stallRatio() {
        return watchedMillis == 0 ? 0 : (double) stallMillis / watchedMillis;
    }

    /** Bytes delivered to viewers per byte the origin sent (the tree's offload; NaN when unknown). */
    public double offload() {
        return originBytes <= 0 ? Double.NaN : (double) deliveredBytes / originBytes;
    }
}
