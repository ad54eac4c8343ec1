package dev.treecast.relay.core;

import java.util.Arrays;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * The objects of one group of one track as received, in order, each kept as its exact wire bytes. Shared by the
 * cache, the track (while it is the newest group) and every downstream stream still sending it; each holds a
 * reference, and the objects are released when the last one lets go.
 *
 * <p>Owned by the relay's event loop thread.
 */
public final class CachedGroup extends AbstractReferenceCounted {
    /** Cache key: the group's identity. */
    public record Key(TrackName track, long group) {
    }

    private final Key key;
    private ObjectFrame[] objects = new ObjectFrame[8];
    private long[] arrivalNanos = new long[8];
    private int size;
    private long bytes;
    private boolean complete;
    private dev.treecast.protocol.ErrorCode abortCode;

    CachedGroup(TrackName track, long sequence) {
        this.key = new Key(track, sequence);
    }

    public Key key() {
        return key;
    }

    public long sequence() {
        return key.group();
    }

    public int size() {
        return size;
    }

    public ObjectFrame object(int index) {
        return objects[index];
    }

    /** When {@code object(index)} arrived at this relay, on the relay's monotonic clock. */
    public long arrivalNanos(int index) {
        return arrivalNanos[index];
    }

    /** The sequence of the last object, or -1 when empty. */
    public long lastSequence() {
        return size == 0 ? -1 : objects[size - 1].sequence();
    }

    /** Wire bytes held, for the cache's weigher. */
    public long bytes() {
        return bytes;
    }

    /** Whether the group's stream ended cleanly (FIN): no object will be added. */
    public boolean isComplete() {
        return complete;
    }

    void markComplete() {
        complete = true;
    }

    /** Why the group stopped before its end (its upstream stream was reset), or null. */
    public dev.treecast.protocol.ErrorCode abortCode() {
        return abortCode;
    }

    void abort(dev.treecast.protocol.ErrorCode code) {
        abortCode = code;
    }

    /**
     * Appends {@code object}, which must come after the last one; ownership passes to the group.
     */
    void append(ObjectFrame object, long nowNanos) {
        if (object.sequence() <= lastSequence()) {
            throw new IllegalArgumentException("object " + object.sequence() + " after " + lastSequence());
        }
        if (size == objects.length) {
            objects = Arrays.copyOf(objects, size * 2);
            arrivalNanos = Arrays.copyOf(arrivalNanos, size * 2);
        }
        objects[size] = object;
        arrivalNanos[size] = nowNanos;
        size++;
        bytes += object.wireLength();
    }

    /** The index of the first object whose sequence is at least {@code sequence} ({@link #size()} if none). */
    public int indexOf(long sequence) {
        int low = 0;
        int high = size;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (objects[mid].sequence() < sequence) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    @Override
    protected void deallocate() {
        for (int i = 0; i < size; i++) {
            objects[i].release();
            objects[i] = null;
        }
        size = 0;
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        return this;
    }

    @Override
    public String toString() {
        return "Group[" + key.track() + "/" + key.group() + ", " + size + " objects, " + bytes + " B"
                + (complete ? ", complete" : "") + "]";
    }
}
