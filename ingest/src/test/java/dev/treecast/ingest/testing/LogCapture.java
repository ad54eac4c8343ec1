package dev.treecast.ingest.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Copies what is written to {@code System.err} (where slf4j-simple logs, looking the stream up at each call) while
 * it is open, still passing it on; for tests that assert what a component logged.
 */
public final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    public LogCapture() {
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (copy) {
                    copy.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (copy) {
                    copy.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8));
    }

    /** The lines logged so far that contain {@code text}. */
    public List<String> lines(String text) {
        String all;
        synchronized (copy) {
            all = copy.toString(StandardCharsets.UTF_8);
        }
        return all.lines().filter(l -> l.contains(text)).toList();
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
