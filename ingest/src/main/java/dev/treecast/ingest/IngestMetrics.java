package dev.treecast.ingest;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/** The ingest's meters, declared once. Sources run on their own threads, so the counts are atomic. */
public final class IngestMetrics {
    private final AtomicLong objects = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong groups = new AtomicLong();
    private final Counter catalogs;
    private final Counter encoderSessions;
    private final Counter encoderDisconnects;
    private final Counter malformed;
    private final Counter droppedBeforeKeyframe;
    private final Counter hangFailures;

    public IngestMetrics(MeterRegistry registry) {
        FunctionCounter.builder("treecast.ingest.objects", objects, AtomicLong::get).register(registry);
        FunctionCounter.builder("treecast.ingest.bytes", bytes, AtomicLong::get).baseUnit("bytes")
                .description("media payload bytes ingested").register(registry);
        FunctionCounter.builder("treecast.ingest.groups", groups, AtomicLong::get).register(registry);
        catalogs = Counter.builder("treecast.ingest.catalogs").register(registry);
        encoderSessions = Counter.builder("treecast.ingest.encoder.sessions")
                .description("encoder uploads started").register(registry);
        encoderDisconnects = Counter.builder("treecast.ingest.encoder.disconnects")
                .description("encoder uploads that ended without a clean end of stream").register(registry);
        malformed = Counter.builder("treecast.ingest.malformed")
                .description("uploads refused because their CMAF was malformed").register(registry);
        droppedBeforeKeyframe = Counter.builder("treecast.ingest.dropped.before.keyframe")
                .description("payloads dropped because no group had started").register(registry);
        hangFailures = Counter.builder("treecast.ingest.hang.failures")
                .description("fragments or init segments the hang packaging could not read (CMAF unaffected)")
                .register(registry);
    }

    void hangFailure() {
        hangFailures.increment();
    }

    public long hangFailures() {
        return (long) hangFailures.count();
    }

    void object(int payloadBytes) {
        objects.incrementAndGet();
        bytes.addAndGet(payloadBytes);
    }

    void group() {
        groups.incrementAndGet();
    }

    void catalog() {
        catalogs.increment();
    }

    void encoderSession() {
        encoderSessions.increment();
    }

    void encoderDisconnect() {
        encoderDisconnects.increment();
    }

    void malformedUpload() {
        malformed.increment();
    }

    void droppedBeforeKeyframe(long count) {
        droppedBeforeKeyframe.increment(count);
    }

    public long objects() {
        return objects.get();
    }

    public long bytes() {
        return bytes.get();
    }

    public long groups() {
        return groups.get();
    }

    public long encoderDisconnects() {
        return (long) encoderDisconnects.count();
    }

    public long malformedUploads() {
        return (long) malformed.count();
    }
}
