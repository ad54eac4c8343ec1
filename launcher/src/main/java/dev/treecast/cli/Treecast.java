package dev.treecast.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code treecast} command. */
@Command(name = "treecast", mixinStandardHelpOptions = true, versionProvider = Treecast.Version.class,
        description = "Live video from one ingest to a very large audience through a self-building tree of QUIC"
                + " relays.",
        subcommands = {DemoCommand.class, IngestCommand.class, RelayCommand.class, SimulateCommand.class, BenchCommand.class,
                LoadtestCommand.class, TokenCommand.class,
                ConfigCommand.class,
                CommandLine.HelpCommand.class})
public final class Treecast {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Treecast()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Treecast.class.getPackage().getImplementationVersion();
            return new String[] {"treecast " + (version == null ? "(development build)" : version),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
        }
    }
}
