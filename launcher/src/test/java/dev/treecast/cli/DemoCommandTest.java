package dev.treecast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;

/** {@code treecast demo}, the first command of the README, runs the whole tree and shows media flowing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoCommandTest {
    private static final Pattern VIEWERS = Pattern.compile("(\\d+)/(\\d+) viewers: +([0-9.]+) Mbit/s each.*lost (\\d+)");

    @Test
    void theDemoStartsATwoLevelTreeAndItsViewersReceiveTheClipWithoutLoss() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Treecast()).execute("demo", "--duration", "4", "--http-port", "0",
                    "--quic-port", "0");
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(output).isZero();
        assertThat(output).contains("relay-1.1", "relay-1.2", "relay-2.1", "relay-2.4", "4 viewers");
        assertThat(output).containsPattern("tree map +http://127\\.0\\.0\\.1:\\d+/tree ");
        List<String> lines = output.lines().filter(l -> l.contains("viewers:")).toList();
        assertThat(lines).as(output).isNotEmpty();
        Matcher last = VIEWERS.matcher(lines.get(lines.size() - 1));
        assertThat(last.find()).as(lines.get(lines.size() - 1)).isTrue();
        assertThat(last.group(1)).isEqualTo("4");
        assertThat(Double.parseDouble(last.group(3))).as("each viewer receives media").isPositive();
        assertThat(last.group(4)).as("objects lost").isEqualTo("0");
    }
}
