package dev.treecast.tree.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.tree.RelayAgent;
import dev.treecast.tree.RelayAgent.Action;
import dev.treecast.tree.sim.TreeHarness.Relay;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DrainTest {
    @Test
    void aDrainingRelaysChildrenMoveMakeBeforeBreakAndTheRelayIsThenForgotten() {
        SplittableRandom random = new SplittableRandom(3);
        TreeHarness world = new TreeHarness(Worlds.config(2, 0, Duration.ofMillis(5), 3), random.split());
        world.addRelay(Worlds.relay("hub", "eu", 6));
        world.addRelay(Worlds.relay("other", "eu", 6));
        world.runFor(Duration.ofSeconds(1));
        for (int i = 0; i < 10; i++) {
            world.addRelay(Worlds.relay("leaf" + i, "eu", 1));
            world.runFor(Duration.ofMillis(50));
        }
        world.runFor(Duration.ofSeconds(3));
        assertThat(world.notSettled()).isNull();
        Relay hub = world.relay("hub");
        List<String> children = hub.children();
        assertThat(children).hasSizeGreaterThanOrEqualTo(3);

        List<Action> seen = new ArrayList<>();
        world.listener((r, a, t) -> {
            if (children.contains(r.id())) {
                seen.add(a);
            }
        });
        world.afterEachEvent(() -> {
            assertThat(world.loopViolation()).isNull();
            for (String id : children) {
                assertThat(world.relay(id).agent().parentId()).as("%s never lacks a parent", id).isNotNull();
            }
        });

        world.drain("hub");
        world.runFor(Duration.ofSeconds(3));

        assertThat(hub.alive()).as("the hub exited once its children left").isFalse();
        assertThat(seen).noneMatch(a -> a instanceof Action.Repaired || a instanceof Action.Detached);
        assertThat(seen).filteredOn(Action.Moved.class::isInstance).hasSizeGreaterThanOrEqualTo(children.size());
        for (String id : children) {
            RelayAgent agent = world.relay(id).agent();
            assertThat(agent.state()).isEqualTo(RelayAgent.State.ATTACHED);
            assertThat(agent.parentId()).isNotEqualTo("hub");
        }
        assertThat(world.notSettled()).isNull();
        assertThat(world.controller().node("hub")).as("forgotten").isNull();
        world.runFor(Duration.ofSeconds(2));
        assertThat(world.controllerMismatch()).isNull();
    }
}
