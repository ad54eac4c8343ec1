package dev.treecast.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * A stand-in encoder for load tests: one track {@code video} at a chosen bitrate, {@code objectsPerSecond}
 * objects a second, a new group every {@code groupDuration}. Each payload begins with its group and object
 * numbers and is otherwise filled with a byte derived from them, so a receiver can check what it got.
 */
public final class SyntheticSource implements AutoCloseable {
    public static final String TRACK = "video";

    private final BroadcastPublisher publisher;
    private final long bitsPerSecond;
    private final int objectsPerSecond;
    private final int objectsPerGroup;
    private final ScheduledExecutorService timer;
    private long index;

    SyntheticSource(BroadcastPublisher publisher, long bitsPerSecond, int objectsPerSecond, Duration groupDuration) {
        if (bitsPerSecond < 8 * 16 * objectsPerSecond) {
            throw new IllegalArgumentException("bitrate " + bitsPerSecond + " is too low for " + objectsPerSecond
                    + " objects/s of at least 16 bytes");
        }
        if (!publisher.tryAcquire()) {
            throw new IllegalStateException("broadcast " + publisher.broadcast() + " already has a source");
        }
        this.publisher = publisher;
        this.bitsPerSecond = bitsPerSecond;
        this.objectsPerSecond = objectsPerSecond;
        this.objectsPerGroup = Math.max(1, (int) Math.round(groupDuration.toMillis() * objectsPerSecond / 1000.0));
        String catalog = "{\"version\":1,\"broadcast\":\"" + publisher.broadcast() + "\",\"synthetic\":true,"
                + "\"tracks\":[{\"name\":\"" + TRACK + "\",\"kind\":\"data\",\"bitrate\":" + bitsPerSecond
                + ",\"objectsPerSecond\":" + objectsPerSecond + ",\"objectsPerGroup\":" + objectsPerGroup + "}]}";
        publisher.publishCatalog(catalog.getBytes(StandardCharsets.UTF_8), List.of(TRACK), TRACK);
        this.timer = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("synthetic-" + publisher.broadcast(), true));
        long periodNanos = 1_000_000_000L / objectsPerSecond;
        timer.scheduleAtFixedRate(this::tick, 0, periodNanos, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        int size = (int) (bitsPerSecond / 8 / objectsPerSecond);
        long object = index % objectsPerGroup;
        ByteBuf payload = Unpooled.buffer(size);
        payload.writeLong(index / objectsPerGroup);
        payload.writeLong(object);
        payload.writeZero(size - 16);
        byte fill = (byte) (index * 31 + 7);
        for (int i = 16; i < size; i++) {
            payload.setByte(i, fill);
        }
        try {
            publisher.publish(TRACK, object == 0, payload);
        } finally {
            payload.release();
        }
        index++;
    }

    public String broadcast() {
        return publisher.broadcast();
    }

    @Override
    public void close() {
        publisher.stopSource(timer);
    }
}
