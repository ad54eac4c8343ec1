package dev.treecast.tree.sim;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import dev.treecast.tree.RelayInfo;

/** Small worlds for the harness tests: exact heartbeats, fast timers, per-pair delays of 1–30 ms. */
final class Worlds {
    static final List<String> REGIONS = List.of("eu", "us", "ap");

    private Worlds() {
    }

    static TreeHarness.Config config(int rootSlots, double loss, Duration jitter, long seed) {
        return new TreeHarness.Config("root", "eu", rootSlots, Duration.ofMillis(100), Duration.ofMillis(300),
                Duration.ofMillis(1200), Duration.ofMillis(200), true, Duration.ofMillis(500),
                Duration.ofMillis(1500), Duration.ofMillis(200), 4, 3, Duration.ofMillis(700), Duration.ofSeconds(2),
                loss, jitter, Duration.ZERO,
                (a, ra, b, rb) -> Simulation.pairDelay(seed, a, ra, b, rb) / 3 + 1_000_000);
    }

    static RelayInfo relay(String id, String region, int slots) {
        return new RelayInfo(id, TreeHarness.address(id), region, slots, null, null);
    }

    static RelayInfo randomRelay(String id, SplittableRandom random) {
        int[] slots = {0, 1, 2, 2, 3, 5};
        return relay(id, REGIONS.get(random.nextInt(REGIONS.size())), slots[random.nextInt(slots.length)]);
    }
}
