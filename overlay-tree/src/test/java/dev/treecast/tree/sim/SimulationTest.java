package dev.treecast.tree.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SimulationTest {
    private static final Simulation.Options SMALL = Simulation.Options.parse("--relays", "2000", "--viewers",
            "1_000_000", "--fail", "10%", "--seed", "42", "--join-rate", "2000");

    @Test
    void optionsParseTheCommandLineFlags() {
        assertThat(SMALL.relays()).isEqualTo(2000);
        assertThat(SMALL.viewers()).isEqualTo(1_000_000);
        assertThat(SMALL.failFraction()).isEqualTo(0.10);
        assertThat(Simulation.Options.parse("--fail", "0.25").failFraction()).isEqualTo(0.25);
        assertThat(Simulation.Options.parse().relays()).isEqualTo(10_000);
        assertThatThrownBy(() -> Simulation.Options.parse("--relays")).hasMessageContaining("--relays needs a value");
        assertThatThrownBy(() -> Simulation.Options.parse("--nodes", "3")).hasMessageContaining("unknown option");
        assertThatThrownBy(() -> Simulation.Options.parse("--relays", "x")).hasMessageContaining("not a number");
    }

    @Test
    void aRunJoinsEveryRelayRepairsEveryOrphanAndLeavesNoRelayWithoutAPathToTheRoot() {
        Simulation.Result r = Simulation.run(SMALL);
        assertThat(r.joinMs().count()).isEqualTo(2000);
        assertThat(r.afterJoin().withoutPathToRoot()).isZero();
        assertThat(r.afterJoin().rootChildren()).isLessThanOrEqualTo(SMALL.rootSlots());
        assertThat(r.killed()).isEqualTo(200);
        assertThat(r.orphans()).isPositive();
        assertThat(r.orphansRepaired()).isEqualTo(r.orphans());
        // A repair takes at least the detection time, and a few attempts at most on top.
        double dead = SMALL.deadAfter().toMillis();
        assertThat(r.repairMs().p50()).isBetween(dead, dead + SMALL.heartbeatEvery().toMillis()
                + SMALL.connectTimeout().toMillis());
        assertThat(r.afterRepair().relays()).isEqualTo(1800);
        assertThat(r.afterRepair().withoutPathToRoot()).isZero();
        assertThat(r.afterRepair().overCapacity()).isZero();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        r.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("join time", "repair time", "fan-out", "per depth", "2,000 relays");
    }

    @Test
    void theSameSeedGivesTheSameFigures() {
        Simulation.Options tiny = SMALL.withRelays(300);
        Simulation.Result a = Simulation.run(tiny);
        Simulation.Result b = Simulation.run(tiny);
        assertThat(b.repairMs()).isEqualTo(a.repairMs());
        assertThat(b.joinMs()).isEqualTo(a.joinMs());
        assertThat(b.afterRepair()).isEqualTo(a.afterRepair());
        assertThat(b.events()).isEqualTo(a.events());
        assertThat(b.wallTime()).isPositive();
    }
}
