package dev.treecast.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.treecast.tree.sim.Simulation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The tree's state machines over a simulated clock and network, at scales one machine cannot run for real. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Runs the same controller and relay state machines as the real tree over a simulated clock"
                + " and network (per-link delay by region, whole relays lost at once), and prints tree depth,"
                + " fan-out, join time and repair time percentiles.")
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--relays", defaultValue = "10000", description = "Relays (default: ${DEFAULT-VALUE}).")
    int relays;

    @Option(names = "--viewers", defaultValue = "10000000",
            description = "Viewers, spread over relays as load (default: ${DEFAULT-VALUE}).")
    long viewers;

    @Option(names = "--fail", defaultValue = "10%", paramLabel = "N%",
            description = "Share of relays that crash at the same moment (default: ${DEFAULT-VALUE}).")
    String fail;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--regions", defaultValue = "4", description = "Regions (default: ${DEFAULT-VALUE}).")
    int regions;

    @Option(names = "--root-slots", defaultValue = "32",
            description = "Relays the ingest feeds itself (default: ${DEFAULT-VALUE}).")
    int rootSlots;

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>(List.of("--relays", String.valueOf(relays), "--viewers",
                String.valueOf(viewers), "--fail", fail, "--seed", String.valueOf(seed), "--regions",
                String.valueOf(regions), "--root-slots", String.valueOf(rootSlots)));
        Simulation.Options options;
        try {
            options = Simulation.Options.parse(args.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            System.err.println("simulate: " + e.getMessage());
            return 2;
        }
        Simulation.run(options).print(System.out);
        return 0;
    }
}
