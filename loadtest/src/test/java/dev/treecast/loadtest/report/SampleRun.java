package dev.treecast.loadtest.report;

import org.HdrHistogram.Histogram;

/**
 * A small but realistic run, written through {@link EventLog}: four viewers on a two-level tree, a level-1 relay
 * killed at 12 s (two relays repair, one viewer reconnects, two stall), a leaf stopped and resumed; viewer 3 fails,
 * viewer 4 is still watching when the run ends at 21 s. The expected numbers are worked out by hand in the tests.
 */
final class SampleRun {
    static final String SIMULATION = "Live \"premiere\" <4K> & co";
    static final String TARGET = "in-process [2, 4]";
    static final long START = 1_700_000_000_000L;
    static final int SECONDS = 20;

    private SampleRun() {
    }

    static void write(EventLog log) {
        log.runStarted(SIMULATION, TARGET, START);
        log.viewerStarted(0, 1, "watchers");
        log.viewerStarted(100, 2, "watchers");
        log.viewerStarted(200, 3, "watchers");
        log.viewerStarted(300, 4, "watchers");
        log.firstFrame(400, 1, 400.0, "relay-2.1");
        log.firstFrame(612, 2, 512.5, "relay-2.2");
        log.firstFrame(900, 3, 700.0, "relay-2.3");
        log.firstFrame(1300, 4, 1000.0, "relay-2.4");
        for (int second = 1; second <= SECONDS; second++) {
            if (second == 12) {
                log.chaos(12_000, "kill", "relay-1.2", "pid 4242");
                log.stall(12_300, 2, 850.0);
                log.relayRepair(12_700, "relay-2.3", "relay-1.2", "relay-1.1", 700.0);
                log.relayRepair(12_750, "relay-2.4", "relay-1.2", "relay-1.1", 750.0);
                log.reconnect(12_900, 3, "relay-2.3", "relay-2.1", "silence", 900.0);
            }
            if (second == 13) {
                log.stall(13_000, 4, 400.0);
            }
            if (second == 15) {
                log.chaos(15_000, "stop", "relay-2.2", null);
                log.viewerEnded(15_500, 3, new EventLog.ViewerTotals(14_600, 438, 438_000, 5, 1, 0, 0, 1,
                        "edge closed: GOING_AWAY"));
            }
            if (second == 16) {
                log.chaos(16_000, "resume", "relay-2.2", "");
            }
            log.interval(second * 1000L, new EventLog.Interval(active(second), second == 13 ? 2 : 0,
                    latency(second), 30L * active(second), 30_000L * active(second),
                    second == SECONDS ? -1 : 60_000, second == 12 ? 5 : second == 13 ? 2 : 0, second == 13 ? 4 : 0));
        }
        log.viewerEnded(20_400, 1, new EventLog.ViewerTotals(20_000, 600, 600_000, 0, 0, 0, 0, 0, null));
        log.viewerEnded(20_612, 2, new EventLog.ViewerTotals(20_000, 590, 590_000, 1, 3, 1, 850, 0, null));
        log.runEnded(21_000);
    }

    static int active(int second) {
        return second == 1 ? 2 : second < 16 ? 4 : 3;
    }

    /** Second 14's histogram is empty, second 20 has none; 12 and 13 are the kill's spike. */
    static Histogram latency(int second) {
        if (second == SECONDS) {
            return null;
        }
        Histogram h = new Histogram(60_000_000, 3);
        if (second != 14) {
            addLatency(h, second);
        }
        return h;
    }

    /** Every latency of the run in one histogram, as the merged one must be. */
    static Histogram allLatencies() {
        Histogram h = new Histogram(60_000_000, 3);
        for (int second = 1; second < SECONDS; second++) {
            if (second != 14) {
                addLatency(h, second);
            }
        }
        return h;
    }

    private static void addLatency(Histogram h, int second) {
        for (int k = 0; k < 100; k++) {
            h.recordValue(second == 12 || second == 13 ? 400_000 + k * 9_000 : 20_000 + second * 500 + k * 97);
        }
    }
}
