package dev.treecast.tree.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.tree.RelayAgent.Action;
import dev.treecast.tree.TreeController;
import dev.treecast.tree.TreeNode;
import dev.treecast.tree.sim.TreeHarness.Relay;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControllerLossTest {
    private static TreeHarness grownWorld(long seed, int relays) {
        SplittableRandom random = new SplittableRandom(seed);
        TreeHarness world = new TreeHarness(Worlds.config(3, 0, Duration.ofMillis(5), seed), random.split());
        for (int i = 0; i < relays; i++) {
            world.addRelay(Worlds.randomRelay("r" + i, random));
            world.runFor(Duration.ofMillis(50));
        }
        world.runFor(Duration.ofSeconds(5));
        assertThat(world.notSettled()).isNull();
        return world;
    }

    private static Map<String, String> parents(TreeController c) {
        Map<String, String> out = new HashMap<>();
        for (TreeNode n : c.view()) {
            out.put(n.id() + " rank " + n.rank() + " depth " + n.depth(), n.parentId());
        }
        return out;
    }

    @Test
    void aNewControllerFedOnlyReportsRebuildsTheSameMap() {
        TreeHarness world = grownWorld(7, 40);
        assertThat(world.controllerMismatch()).isNull();
        Map<String, String> before = parents(world.controller());

        world.restartController();
        assertThat(world.controller().size()).isZero();
        world.runFor(Duration.ofSeconds(2)); // a few report periods, nothing else changes

        assertThat(world.controller().size()).isEqualTo(40);
        assertThat(parents(world.controller())).isEqualTo(before);
        assertThat(world.controllerMismatch()).isNull();
    }

    @Test
    void localRepairKeepsWorkingWithoutAController() {
        TreeHarness world = grownWorld(11, 40);
        List<String> repaired = new ArrayList<>();
        world.listener((r, a, t) -> {
            if (a instanceof Action.Repaired) {
                repaired.add(r.id());
            }
        });
        world.afterEachEvent(() -> assertThat(world.loopViolation()).isNull());
        world.stopController();

        // Kill every relay that has children, 30 % of the rest at most: orphans must repair on their own.
        List<String> victims = new ArrayList<>();
        for (Relay r : world.liveRelays()) {
            if (r.childCount() > 0 && victims.size() < 12) {
                victims.add(r.id());
            }
        }
        assertThat(victims).isNotEmpty();
        world.kill(victims, false);
        world.runFor(Duration.ofSeconds(3));

        assertThat(world.controller()).isNull();
        assertThat(repaired).isNotEmpty();
        assertThat(world.notSettled()).isNull();

        // The controller comes back and learns the repaired tree from reports.
        world.restartController();
        world.runFor(Duration.ofSeconds(3));
        assertThat(world.controllerMismatch()).isNull();
        assertThat(world.controller().size()).isEqualTo(40 - victims.size());
    }
}
