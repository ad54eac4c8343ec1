package dev.treecast.systemtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.treecast.testing.Await;

/**
 * One program running inside a host's namespace ({@code ip netns exec NS ...}, which becomes the program, so this
 * process is the program itself): its output goes to a log file, which the test reads. Killed by {@link #close()},
 * and by a shutdown hook if the JVM ends first (a live process would also keep its namespace alive).
 */
final class HostProcess implements AutoCloseable {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Process p : LIVE) {
                p.destroyForcibly();
            }
        }, "netns-processes"));
    }

    final String name;
    final Path log;
    private final Process process;

    private HostProcess(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code command} in namespace {@code ns}, in directory {@code dir}, logging to {@code dir/name.log}. */
    static HostProcess start(String name, String ns, Path dir, List<String> command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(command);
        Path log = dir.resolve(name + ".log");
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile())).start();
        LIVE.add(p);
        return new HostProcess(name, log, p);
    }

    private static java.io.File nullFile() {
        return new java.io.File("/dev/null");
    }

    /** The log so far. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits for a line matching {@code regex} (failing early if the process ends) and returns its match. */
    Matcher await(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        Matcher[] found = new Matcher[1];
        Await.until(name + " to print /" + regex + "/", timeout, () -> {
            Matcher m = pattern.matcher(output());
            if (m.find()) {
                found[0] = m;
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") before printing /" + regex
                        + "/:\n" + tail());
            }
            return false;
        }, this::tail);
        return found[0];
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself; false if it did not within {@code timeout}. */
    boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    int exitValue() {
        return process.exitValue();
    }

    /** Asks it to stop (SIGTERM, so that it can print its summary), then kills it if it has not within {@code grace}. */
    void stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
        }
        LIVE.remove(process);
    }

    /** The last lines of the log, for failure messages. */
    String tail() {
        String[] lines = output().split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 15), lines.length));
    }

    /** Kills it (SIGKILL: nothing of it matters any more) and waits, bounded, until it is gone. */
    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            System.err.println(name + " (pid " + process.pid() + ") did not die within 10 s of SIGKILL");
        }
        LIVE.remove(process);
    }
}
