package dev.treecast.tree.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.tree.sim.TreeHarness.Relay;

/**
 * Random sequences of joins, single and mass failures (crashes and exits), restarts, drains, controller outages and
 * restarts, the ingest refusing new links for a while, over random per-pair delays with jitter (messages reorder)
 * and lost control messages, with the real
 * controller and agents: after every single event the tree must be loop-free and follow the rank order, and once the
 * faults stop every live relay must be connected to the root. {@code -Dtreecast.tree.sequences=N} runs more.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopFreedomPropertyTest {
    private static final int SEQUENCES = Integer.getInteger("treecast.tree.sequences", 500);
    private static final int STEPS = 150;
    private static final int MAX_LIVE = 24;

    @Test
    void theTreeStaysLoopFreeAfterEveryEventAndHealsOnceFaultsStop() {
        Map<String, Long> seen = new TreeMap<>();
        int from = Integer.getInteger("treecast.tree.from", 0);
        for (int seed = from; seed < from + SEQUENCES; seed++) {
            runSequence(seed, seen);
        }
        System.out.println(SEQUENCES + " sequences: " + seen);
        // The sequences must have exercised what they are meant to.
        assertThat(seen).containsKeys("Repaired", "Moved", "Joined", "Detached", "rank refusals", "events");
        assertThat(seen.get("Repaired")).isGreaterThan(SEQUENCES);
        assertThat(seen.get("Moved")).isGreaterThan(SEQUENCES / 2);
        assertThat(seen.get("rank refusals")).isPositive();
    }

    @Test
    void theAcceptingSidesRankCheckAloneKeepsItLoopFreeAgainstLyingListsAndRandomMoves() {
        Map<String, Long> seen = new TreeMap<>();
        int from = Integer.getInteger("treecast.tree.from", 0);
        for (int seed = from; seed < from + SEQUENCES / 3; seed++) {
            runSequence(1_000_000 + seed, seen, 0.3);
        }
        System.out.println(SEQUENCES / 3 + " adversarial sequences: " + seen);
        assertThat(seen.get("rank refusals")).as("the adversary was refused").isGreaterThan(SEQUENCES / 3);
    }

    private static void runSequence(long seed, Map<String, Long> seen) {
        runSequence(seed, seen, 0);
    }

    private static void runSequence(long seed, Map<String, Long> seen, double adversary) {
        SplittableRandom random = new SplittableRandom(seed);
        double loss = random.nextInt(3) == 0 ? 0 : 0.02;
        Duration jitter = Duration.ofMillis(random.nextInt(60));
        TreeHarness world = new TreeHarness(Worlds.config(1 + random.nextInt(3), loss, jitter, seed),
                random.split());
        world.adversary(adversary);
        List<String> trace = new ArrayList<>();
        String watch = System.getProperty("treecast.tree.watch");
        world.listener((r, a, t) -> {
            seen.merge(a.getClass().getSimpleName(), 1L, Long::sum);
            if (r.id().equals(watch) && !(a instanceof dev.treecast.tree.RelayAgent.Action.Heartbeat)) {
                System.out.println(t / 1_000_000 + " ms " + r.id() + " " + r.agent().state() + ": " + a);
            }
        });
        world.afterEachEvent(() -> {
            String violation = world.loopViolation();
            if (violation != null) {
                throw new AssertionError("seed " + seed + " at " + world.now() / 1_000_000 + " ms: " + violation
                        + "\nsteps: " + trace);
            }
        });
        int next = 0;
        for (int step = 0; step < STEPS; step++) {
            List<Relay> live = world.liveRelays();
            int roll = random.nextInt(100);
            if (roll < 30 && live.size() < MAX_LIVE) {
                String id = "r" + next++;
                trace.add("join " + id);
                world.addRelay(Worlds.randomRelay(id, random));
            } else if (roll < 38 && !live.isEmpty()) {
                Relay victim = live.get(random.nextInt(live.size()));
                boolean graceful = random.nextBoolean();
                trace.add((graceful ? "exit " : "crash ") + victim.id());
                world.kill(List.of(victim.id()), graceful);
            } else if (roll < 42 && !live.isEmpty()) {
                List<String> victims = new ArrayList<>();
                int count = Math.max(1, (int) Math.round(live.size() * (0.1 + 0.2 * random.nextDouble())));
                for (int i = 0; i < count; i++) {
                    victims.add(live.remove(random.nextInt(live.size())).id());
                }
                boolean graceful = random.nextInt(4) == 0;
                trace.add((graceful ? "exit " : "crash ") + victims);
                world.kill(victims, graceful);
            } else if (roll < 46) {
                List<Relay> dead = new ArrayList<>();
                for (Relay r : world.relays()) {
                    if (!r.alive()) {
                        dead.add(r);
                    }
                }
                if (!dead.isEmpty() && live.size() < MAX_LIVE) {
                    Relay back = dead.get(random.nextInt(dead.size()));
                    trace.add("restart " + back.id());
                    world.addRelay(back.info());
                }
            } else if (roll < 50 && !live.isEmpty()) {
                Relay drained = live.get(random.nextInt(live.size()));
                trace.add("drain " + drained.id());
                world.drain(drained.id());
            } else if (roll < 52) {
                trace.add("controller down");
                world.stopController();
            } else if (roll < 56) {
                trace.add("controller restart");
                world.restartController();
            } else if (roll < 58) {
                trace.add("ingest refuses links");
                world.rootAccepts(false);
            } else if (roll < 64) {
                world.rootAccepts(true);
        world.controlLoss(0);
        world.adversary(0);
            }
            world.runFor(Duration.ofMillis(random.nextInt(250)));
        }
        // Faults stop (a controller runs, the ingest accepts, no message is lost), and the tree heals.
        world.rootAccepts(true);
        if (world.controller() == null) {
            world.restartController();
        }
        world.runFor(Duration.ofSeconds(8));
        assertThat(world.notSettled()).as("seed %d, steps %s", seed, trace).isNull();
        assertThat(world.rankChanges()).as("seed %d: ranks never change", seed).isZero();
        world.runFor(Duration.ofSeconds(4));
        assertThat(world.notSettled()).as("seed %d, steps %s", seed, trace).isNull();
        assertThat(world.controllerMismatch()).as("seed %d: the controller's map converges", seed).isNull();
        seen.merge("rank refusals", world.rankRefusals(), Long::sum);
        seen.merge("events", world.events().processed(), Long::sum);
    }
}
