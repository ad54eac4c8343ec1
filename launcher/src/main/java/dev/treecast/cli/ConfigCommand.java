package dev.treecast.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints a complete config file, or the README's table, for {@code treecast relay}, {@code ingest}, {@code demo}. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Prints every key of the --config file of 'treecast relay', 'treecast ingest' or 'treecast"
                + " demo', with its default and what it means: a complete file to edit (deploy/config/*.yaml are"
                + " its output).")
final class ConfigCommand implements Callable<Integer> {
    enum Process { relay, ingest, demo }

    @Parameters(paramLabel = "relay|ingest|demo", description = "Whose config: ${COMPLETION-CANDIDATES}.")
    Process process;

    @Option(names = "--markdown", description = "A Markdown table (key, default, flag) instead of YAML.")
    boolean markdown;

    @Override
    public Integer call() {
        System.out.print(render(process, markdown));
        return 0;
    }

    static String render(Process process, boolean markdown) {
        CommandLine.Model.CommandSpec spec = new CommandLine(command(process)).getCommandSpec();
        return markdown ? ConfigFile.markdown(spec, type(process))
                : ConfigFile.template(process.name(), spec, type(process));
    }

    /** A fresh command object of {@code treecast <process>}. */
    static Object command(Process process) {
        return switch (process) {
            case relay -> new RelayCommand();
            case ingest -> new IngestCommand();
            case demo -> new DemoCommand();
        };
    }

    /** The record its --config file is read into. */
    static Class<? extends Record> type(Process process) {
        return switch (process) {
            case relay -> ConfigFile.RelayFile.class;
            case ingest -> ConfigFile.IngestFile.class;
            case demo -> ConfigFile.DemoFile.class;
        };
    }
}
