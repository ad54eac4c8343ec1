package dev.treecast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.treecast.relay.RelayConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code --config FILE.yaml}: strict, precise about errors, below the flags, and documented from the flags. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigFileTest {
    /** The repository root: surefire runs in launcher/. */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("relay.yaml");
        Files.writeString(file, text);
        return file;
    }

    private static RelayCommand relay(String... args) {
        RelayCommand relay = new RelayCommand();
        new CommandLine(relay).parseArgs(args);
        relay.applyConfig();
        return relay;
    }

    private static DemoCommand demo(String... args) {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args);
        if (demo.config != null) {
            ConfigFile.apply(demo.spec, demo.config, ConfigFile.DemoFile.class);
        }
        return demo;
    }

    private static IngestCommand ingest(String... args) {
        IngestCommand ingest = new IngestCommand();
        new CommandLine(ingest).parseArgs(args);
        if (ingest.config != null) {
            ConfigFile.apply(ingest.spec, ingest.config, ConfigFile.IngestFile.class);
        }
        return ingest;
    }

    @Test
    void anUnknownKeyIsRejectedNamingTheKeyTheFileTheLineAndTheValidKeys() throws IOException {
        Path file = yaml("port: 5000\n# a comment\nhttp-prot: 9000\n");
        assertThatThrownBy(() -> relay("--config", file.toString(), "--join", "127.0.0.1:4433"))
                .isInstanceOf(ConfigFile.Invalid.class)
                .hasMessageStartingWith(file + ", line 3: unknown key 'http-prot'; the valid keys are: join, parent,")
                .hasMessageContaining("http-port").hasMessageContaining("drain-timeout");
    }

    @Test
    void aValueOfTheWrongTypeNamesTheKeyAndTheLine() throws IOException {
        Path port = yaml("region: eu-west\nport: four\n");
        assertThatThrownBy(() -> relay("--config", port.toString(), "--join", "127.0.0.1:4433"))
                .isInstanceOf(ConfigFile.Invalid.class)
                .hasMessage(port + ", line 2: key 'port': expected a whole number, got 'four'");
        Path fraction = yaml("http-port: 8081.5\n");
        assertThatThrownBy(() -> relay("--config", fraction.toString(), "--join", "127.0.0.1:4433"))
                .hasMessage(fraction + ", line 1: key 'http-port': expected a whole number, got '8081.5'");
        Path map = yaml("open-viewers:\n  yes: no\n");
        assertThatThrownBy(() -> relay("--config", map.toString(), "--join", "127.0.0.1:4433"))
                .hasMessageStartingWith(map + ", line 2: key 'open-viewers': expected true or false, got a map");
        // A value the flag's own converter refuses is refused with the same words, plus the key and line.
        Path join = yaml("\n\njoin: ingest-without-port\n");
        assertThatThrownBy(() -> relay("--config", join.toString()))
                .hasMessageStartingWith(join + ", line 3: key 'join': expected HOST:PORT, got 'ingest-without-port'");
        Path verify = yaml("verify: sometimes\n");
        assertThatThrownBy(() -> relay("--config", verify.toString(), "--join", "127.0.0.1:4433"))
                .hasMessageContaining("line 1: key 'verify': expected edge, always or never, got 'sometimes'");
        Path list = yaml("parent:\n  - 127.0.0.1:1\n  - b\n");
        assertThatThrownBy(() -> relay("--config", list.toString()))
                .hasMessageStartingWith(list + ", line 3: key 'parent[1]': expected HOST:PORT, got 'b'");
        Path broken = yaml("port: 4434\nregion: 'eu-west\n");
        assertThatThrownBy(() -> relay("--config", broken.toString(), "--join", "127.0.0.1:4433"))
                .hasMessageStartingWith(broken + ", line 2: not valid YAML: ");
        Path twice = yaml("port: 1\nport: 2\n");
        assertThatThrownBy(() -> relay("--config", twice.toString(), "--join", "127.0.0.1:4433"))
                .hasMessageContaining("line 2").hasMessageContaining("Duplicate field 'port'");
        assertThatThrownBy(() -> relay("--config", dir.resolve("missing.yaml").toString(), "--join", "127.0.0.1:1"))
                .hasMessage(dir.resolve("missing.yaml") + ": no such file");
    }

    @Test
    void theFileOverridesTheDefaultsAndTheFlagsGivenOverrideTheFile() throws IOException {
        Path file = yaml("""
                join: 127.0.0.7:4433
                port: 5000
                http-port: 9000
                region: eu-west
                verify: always
                open-viewers: true
                drain-timeout: 25
                """);
        RelayCommand fromFile = relay("--config", file.toString());
        assertThat(fromFile.upstream.join).isEqualTo(new InetSocketAddress("127.0.0.7", 4433));
        assertThat(fromFile.port).isEqualTo(5000);
        assertThat(fromFile.httpPort).isEqualTo(9000);
        assertThat(fromFile.region).isEqualTo("eu-west");
        assertThat(fromFile.verify).isEqualTo(RelayConfig.Verify.ALWAYS);
        assertThat(fromFile.openViewers).isTrue();
        assertThat(fromFile.drainTimeout).isEqualTo(25);
        assertThat(fromFile.webTransportPort).as("not in the file: the default").isEqualTo(4443);

        RelayCommand overridden = relay("--config", file.toString(), "--port", "6000",
                "--parent", "127.0.0.1:1,127.0.0.2:2", "--verify", "never");
        assertThat(overridden.port).isEqualTo(6000);
        assertThat(overridden.verify).isEqualTo(RelayConfig.Verify.NEVER);
        assertThat(overridden.upstream.join).as("--parent on the command line replaces the file's join").isNull();
        assertThat(overridden.upstream.parents).hasSize(2);
        assertThat(overridden.httpPort).as("not given on the command line: the file's").isEqualTo(9000);

        // A flag given with its default value still wins: "given" is what counts, not "differs from the default".
        assertThat(relay("--config", file.toString(), "--port", "4434").port).isEqualTo(4434);
    }

    @Test
    void theIngestReadsItsOwnKeysTheSameWay() throws IOException {
        Path file = dir.resolve("ingest.yaml");
        Files.writeString(file, "quic-port: 5433\nbitrate: 6M\nsynthetic: live/test\nroot-slots: 8\n");
        IngestCommand ingest = ingest("--config", file.toString(), "--root-slots", "2");
        assertThat(ingest.quicPort).isEqualTo(5433);
        assertThat(ingest.bitrate).isEqualTo(6_000_000L);
        assertThat(ingest.synthetic).isEqualTo("live/test");
        assertThat(ingest.rootSlots).isEqualTo(2);
        assertThat(ingest.httpPort).isEqualTo(8080);
        Files.writeString(file, "quic-port: 5433\nport: 4434\n");
        assertThatThrownBy(() -> ingest("--config", file.toString()))
                .hasMessageStartingWith(file + ", line 2: unknown key 'port'; the valid keys are: bind, quic-port,");
    }

    @Test
    void theDemoTakesItsTreeShapeAsAListOrAsOneLevel() throws IOException {
        Path file = dir.resolve("demo.yaml");
        Files.writeString(file, "relays: [3, 9]\nviewers: 2\nduration: 30\n");
        DemoCommand demo = demo("--config", file.toString(), "--viewers", "6");
        assertThat(demo.levels).containsExactly(3, 9);
        assertThat(demo.viewers).isEqualTo(6);
        assertThat(demo.durationSeconds).isEqualTo(30);
        Files.writeString(file, "relays: 5\n");
        assertThat(demo("--config", file.toString()).levels).containsExactly(5);
        Files.writeString(file, "relays: [3, x]\n");
        assertThatThrownBy(() -> demo("--config", file.toString()))
                .hasMessage(file + ", line 1: key 'relays[1]': expected a whole number, got 'x'");
    }

    @Test
    void aRelayNeedsExactlyOneUpstreamFromTheFlagsOrTheFile() throws IOException {
        assertThatThrownBy(() -> relay()).isInstanceOf(ConfigFile.Invalid.class)
                .hasMessageContaining("--join HOST:PORT or --parent HOST:PORT");
        Path both = yaml("join: 127.0.0.1:1\nparent: [127.0.0.2:2]\n");
        assertThatThrownBy(() -> relay("--config", both.toString())).hasMessageContaining("exclusive");
        Path one = yaml("parent: 127.0.0.2:2\n");
        assertThat(relay("--config", one.toString()).upstream.parents)
                .containsExactly(new InetSocketAddress("127.0.0.2", 2));
        assertThatThrownBy(() -> new CommandLine(new RelayCommand())
                .parseArgs("--join", "127.0.0.1:1", "--parent", "127.0.0.2:2"))
                .isInstanceOf(CommandLine.MutuallyExclusiveArgsException.class);
    }

    @Test
    void everyFlagIsAKeyAndEveryKeyAFlag() {
        for (ConfigCommand.Process process : ConfigCommand.Process.values()) {
            CommandLine.Model.CommandSpec spec = new CommandLine(ConfigCommand.command(process)).getCommandSpec();
            Class<? extends Record> type = ConfigCommand.type(process);
            assertThat(ConfigFile.keys(type).stream().map(k -> "--" + k).toList()).as(process.name())
                    .containsExactlyInAnyOrderElementsOf(
                            ConfigFile.keyedOptions(spec).stream().map(OptionSpec::longestName).toList());
        }
    }

    @Test
    void theExampleFilesAreTheGeneratedTemplatesAndParseToExactlyTheDefaults() throws IOException {
        for (ConfigCommand.Process process : ConfigCommand.Process.values()) {
            Path example = ROOT.resolve("deploy/config/" + process + ".yaml");
            assertThat(Files.readString(example)).as("%s is 'treecast config %s' (regenerate it with that command)",
                    example, process).isEqualTo(ConfigCommand.render(process, false));
        }
        String[] upstream = {"--join", "127.0.0.1:4433"};
        assertThat(values(relay(concat(upstream, "--config", ROOT.resolve("deploy/config/relay.yaml").toString()))))
                .isEqualTo(values(relay(upstream)));
        assertThat(values(ingest("--config", ROOT.resolve("deploy/config/ingest.yaml").toString())))
                .isEqualTo(values(ingest()));
        assertThat(values(demo("--config", ROOT.resolve("deploy/config/demo.yaml").toString())))
                .isEqualTo(values(demo()));
        // ...and a value changed in the file does show (the comparison above can fail).
        Path changed = yaml(Files.readString(ROOT.resolve("deploy/config/relay.yaml")).replace("margin: 0.2",
                "margin: 0.3"));
        assertThat(values(relay(concat(upstream, "--config", changed.toString()))))
                .isNotEqualTo(values(relay(upstream)));
    }

    @Test
    void theReadmeTablesAreGeneratedFromTheFlags() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (ConfigCommand.Process process : ConfigCommand.Process.values()) {
            assertThat(readme).as("README's table for %s is 'treecast config %s --markdown'", process, process)
                    .contains(ConfigCommand.render(process, true));
        }
    }

    /** Every key's effective value, arrays by content, for comparing two parses. */
    private static Map<String, Object> values(Object command) {
        CommandLine.Model.CommandSpec spec = command instanceof RelayCommand r ? r.spec
                : command instanceof IngestCommand i ? i.spec : ((DemoCommand) command).spec;
        Map<String, Object> values = new LinkedHashMap<>();
        for (OptionSpec option : ConfigFile.keyedOptions(spec)) {
            Object value = option.group() != null ? null : option.getValue();
            values.put(option.longestName(), value instanceof char[] c ? new String(c)
                    : value instanceof Converters.PublicKey k ? List.of(k.raw()) : value);
        }
        if (command instanceof RelayCommand r) {
            values.put("upstream", r.upstream.join + " " + r.upstream.parents);
        }
        return values;
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
