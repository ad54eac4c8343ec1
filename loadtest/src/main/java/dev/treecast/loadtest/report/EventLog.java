package dev.treecast.loadtest.report;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * The run's raw event log: one JSON object per line, written while the run goes; {@link RunLog} reads it back and
 * {@link Report} turns it into the HTML report afterwards (Gatling's {@code simulation.log}, in JSON lines).
 *
 * <p>Every line has {@code "type"} and {@code "t"} (milliseconds since the run started, as the caller says; the log
 * never reads a clock for them). Any thread may call any method: the line is encoded in the caller and handed to the
 * log's one writer thread through a bounded queue, so a caller never waits for the disk. When the queue is full the
 * line is dropped and counted, and the writer later writes {@code {"type":"dropped","t":..,"count":N}} instead.
 * The writer flushes at least every 200 ms, so a killed run keeps all but its last moments.
 */
public final class EventLog implements AutoCloseable {
    /** Lines waiting for the writer before new ones are dropped (~15 MB of typical lines). */
    static final int DEFAULT_CAPACITY = 100_000;
    private static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int BATCH = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private static final JsonFactory JSON = new JsonFactory();
    /** Compared by identity: tells the writer to finish. */
    private static final String END = new String("end");

    private final Writer sink;
    private final BlockingQueue<String> queue;
    /** Lines dropped so far; the writer reports those beyond {@link #droppedReported} in a {@code dropped} line. */
    private final AtomicLong dropped = new AtomicLong();
    /** Writer thread only. */
    private long droppedReported;
    private final AtomicLong lastDroppedT = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread writer;
    /** Set by the writer thread only; read after joining it. */
    private IOException failure;

    /** What a viewer did in its watch step, as it reports when it ends. */
    public record ViewerTotals(long watchedMillis, long objects, long bytes, long lost, long duplicates, long stalls,
                               long stallMillis, long reconnects, String failure) {
    }

    /**
     * One second (or so) of the run: viewers watching and stalling at its end, the latency of every object received
     * in it, and what was received, sent by the origin ({@code originBytes} -1 when unknown), lost and duplicated in
     * it.
     */
    public record Interval(int activeViewers, int stallingViewers, Histogram latencyMicros, long objects, long bytes,
                           long originBytes, long lost, long duplicates) {
    }

    /** Opens (truncating) {@code file} and starts the writer thread. */
    public static EventLog create(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new EventLog(Files.newBufferedWriter(file, UTF_8), DEFAULT_CAPACITY);
    }

    /** Writes to {@code sink} (which this log closes); tests pass a slow one to see lines dropped. */
    EventLog(Writer sink, int capacity) {
        this.sink = sink;
        this.queue = new LinkedBlockingQueue<>(capacity);
        this.writer = Thread.ofPlatform().name("treecast-event-log").daemon().unstarted(this::drain);
        writer.start();
    }

    /** The first line (its t is 0): what runs, against what, and the wall clock at t = 0. */
    public void runStarted(String simulation, String target, long startEpochMillis) {
        log("runStarted", 0, g -> {
            g.writeStringField("simulation", simulation);
            g.writeStringField("target", target);
            g.writeNumberField("startEpochMillis", startEpochMillis);
        });
    }

    public void viewerStarted(long t, long viewer, String scenario) {
        log("viewerStarted", t, g -> {
            g.writeNumberField("viewer", viewer);
            g.writeStringField("scenario", scenario);
        });
    }

    /** Playback started {@code startupMillis} after the viewer's watch step began, fed by {@code edge}. */
    public void firstFrame(long t, long viewer, double startupMillis, String edge) {
        log("firstFrame", t, g -> {
            g.writeNumberField("viewer", viewer);
            g.writeNumberField("startupMillis", startupMillis);
            g.writeStringField("edge", edge);
        });
    }

    /** A stall that began at {@code t} and lasted {@code stallMillis}; logged when it ends. */
    public void stall(long t, long viewer, double stallMillis) {
        log("stall", t, g -> {
            g.writeNumberField("viewer", viewer);
            g.writeNumberField("stallMillis", stallMillis);
        });
    }

    /** The first object from the new edge arrived at {@code t}, {@code reconnectMillis} after trouble was noticed. */
    public void reconnect(long t, long viewer, String from, String to, String reason, double reconnectMillis) {
        log("reconnect", t, g -> {
            g.writeNumberField("viewer", viewer);
            g.writeStringField("from", from);
            g.writeStringField("to", to);
            g.writeStringField("reason", reason);
            g.writeNumberField("reconnectMillis", reconnectMillis);
        });
    }

    public void viewerEnded(long t, long viewer, ViewerTotals totals) {
        log("viewerEnded", t, g -> {
            g.writeNumberField("viewer", viewer);
            g.writeNumberField("watchedMillis", totals.watchedMillis());
            g.writeNumberField("objects", totals.objects());
            g.writeNumberField("bytes", totals.bytes());
            g.writeNumberField("lost", totals.lost());
            g.writeNumberField("duplicates", totals.duplicates());
            g.writeNumberField("stalls", totals.stalls());
            g.writeNumberField("stallMillis", totals.stallMillis());
            g.writeNumberField("reconnects", totals.reconnects());
            g.writeStringField("failure", totals.failure());
        });
    }

    /** A fault injected: {@code action} is kill, stop, resume, drain or replace. */
    public void chaos(long t, String action, String relay, String detail) {
        log("chaos", t, g -> {
            g.writeStringField("action", action);
            g.writeStringField("relay", relay);
            g.writeStringField("detail", detail);
        });
    }

    /** {@code relay} attached to {@code newParent} {@code repairMillis} after {@code oldParent} was declared dead. */
    public void relayRepair(long t, String relay, String oldParent, String newParent, double repairMillis) {
        log("relayRepair", t, g -> {
            g.writeStringField("relay", relay);
            g.writeStringField("oldParent", oldParent);
            g.writeStringField("newParent", newParent);
            g.writeNumberField("repairMillis", repairMillis);
        });
    }

    /** The interval ending at {@code t}; its histogram is encoded before this returns, so the caller may reuse it. */
    public void interval(long t, Interval interval) {
        log("interval", t, g -> {
            g.writeNumberField("active", interval.activeViewers());
            g.writeNumberField("stalling", interval.stallingViewers());
            g.writeNumberField("objects", interval.objects());
            g.writeNumberField("bytes", interval.bytes());
            g.writeNumberField("originBytes", interval.originBytes());
            g.writeNumberField("lost", interval.lost());
            g.writeNumberField("duplicates", interval.duplicates());
            if (interval.latencyMicros() != null) {
                g.writeStringField("latency", encode(interval.latencyMicros()));
            }
        });
    }

    public void runEnded(long t) {
        log("runEnded", t, g -> { });
    }

    /** Lines dropped so far because the writer fell behind (written to the log as {@code dropped} lines). */
    public long droppedLines() {
        return dropped.get();
    }

    /**
     * Writes what is queued, flushes and closes the file; later events are ignored. Idempotent; throws the first
     * write error the writer met, if any.
     */
    @Override
    public void close() throws IOException {
        boolean first = closed.compareAndSet(false, true);
        try {
            if (first) {
                queue.put(END);
            }
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while closing the event log");
        }
        if (first && failure != null) {
            throw failure;
        }
    }

    /** Base64 of the histogram's compressed encoding (HdrHistogram's own format, so nothing is rounded away). */
    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private void log(String type, long t, Fields fields) {
        if (closed.get()) {
            return;
        }
        StringWriter out = new StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", type);
            g.writeNumberField("t", t);
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to a string", e);
        }
        if (!queue.offer(out.toString())) {
            dropped.incrementAndGet();
            lastDroppedT.accumulateAndGet(t, Math::max);
        }
    }

    // ---- the writer thread ----

    private void drain() {
        List<String> batch = new ArrayList<>(BATCH);
        boolean dirty = false;
        long flushDeadline = 0;
        try {
            while (true) {
                String first;
                if (dirty) {
                    first = queue.poll(Math.max(0, flushDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } else {
                    first = queue.take();
                    flushDeadline = System.nanoTime() + FLUSH_INTERVAL_NANOS;
                }
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                    boolean end = write(batch);
                    batch.clear();
                    writeDropped();
                    if (end) {
                        break;
                    }
                    dirty = true;
                }
                if (dirty && System.nanoTime() - flushDeadline >= 0) {
                    flush();
                    dirty = false;
                }
            }
        } catch (InterruptedException e) {
            // Nobody interrupts this thread but a dying JVM: write what we have and stop.
            Thread.currentThread().interrupt();
        } finally {
            flush();
            try {
                sink.close();
            } catch (IOException e) {
                fail(e);
            }
        }
    }

    /** Writes the lines up to the end marker; true when it was among them. */
    private boolean write(List<String> lines) {
        for (String line : lines) {
            if (line == END) {
                return true;
            }
            if (failure == null) {
                try {
                    sink.write(line);
                    sink.write('\n');
                } catch (IOException e) {
                    fail(e);
                }
            }
        }
        return false;
    }

    private void writeDropped() {
        long total = dropped.get();
        long count = total - droppedReported;
        if (count == 0) {
            return;
        }
        droppedReported = total;
        write(List.of("{\"type\":\"dropped\",\"t\":" + lastDroppedT.get() + ",\"count\":" + count + "}"));
    }

    private void flush() {
        if (failure == null) {
            try {
                sink.flush();
            } catch (IOException e) {
                fail(e);
            }
        }
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
            // Keep draining (and discarding) so that callers never block on a full queue.
            LOG.warn("Event log write failed; further events are discarded: {}", e.toString());
        }
    }
}
