package dev.treecast.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints a complete config file (or the README's table) for {@code treecast relay} or {@code treecast ingest}. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Prints every key of the --config file of 'treecast relay' or 'treecast ingest', with its"
                + " default and what it means: a complete file to edit (deploy/config/*.yaml are its output).")
final class ConfigCommand implements Callable<Integer> {
    enum Process { relay, ingest }

    @Parameters(paramLabel = "relay|ingest", description = "Whose config: ${COMPLETION-CANDIDATES}.")
    Process process;

    @Option(names = "--markdown", description = "A Markdown table (key, default, flag) instead of YAML.")
    boolean markdown;

    @Override
    public Integer call() {
        System.out.print(render(process, markdown));
        return 0;
    }

    static String render(Process process, boolean markdown) {
        CommandLine.Model.CommandSpec spec = switch (process) {
            case relay -> new CommandLine(new RelayCommand()).getCommandSpec();
            case ingest -> new CommandLine(new IngestCommand()).getCommandSpec();
        };
        Class<? extends Record> type = switch (process) {
            case relay -> ConfigFile.RelayFile.class;
            case ingest -> ConfigFile.IngestFile.class;
        };
        return markdown ? ConfigFile.markdown(spec, type) : ConfigFile.template(process.name(), spec, type);
    }
}
