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

    /** How much it has printed so far, to look only at what comes next. */
    int printed() {
        return output().length();
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
        return await(regex, timeout, 0);
    }

    /** The same, looking only at what was printed after the first {@code from} characters ({@link #printed()}). */
    Matcher await(String regex, Duration timeout, int from) {
        Pattern pattern = Pattern.compile(regex);
        Matcher[] found = new Matcher[1];
        poll(name + " to print /" + regex + "/", timeout, () -> {
            String out = output();
            Matcher m = pattern.matcher(out.substring(Math.min(from, out.length())));
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

    /**
     * Like {@link Await#until}, but looking every 50 ms: what is polled here is files other processes write, read
     * whole each time, and a test that reads them 200 times a second takes the CPU the processes under test need.
     */
    static void poll(String what, Duration timeout, java.util.function.BooleanSupplier condition,
                     java.util.function.Supplier<?> lastSeen) {
        Await.until(what, timeout, () -> {
            if (condition.getAsBoolean()) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(POLL_NANOS); // then Await's own 5 ms
            return false;
        }, lastSeen);
    }

    private static final long POLL_NANOS = Duration.ofMillis(50).toNanos();

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
