package dev.treecast.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * An allocator that remembers every buffer it handed out, so a test can assert that all of them were released
 * (the paranoid leak detector only logs; this fails the test).
 */
final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> allocated = new ArrayList<>();
    private final List<Integer> capacities = new ArrayList<>();

    TrackingAllocator() {
        super(false);
    }

    @Override
    protected synchronized ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = Unpooled.buffer(initialCapacity, maxCapacity);
        allocated.add(b);
        capacities.add(initialCapacity);
        return b;
    }

    @Override
    protected synchronized ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = Unpooled.directBuffer(initialCapacity, maxCapacity);
        allocated.add(b);
        capacities.add(initialCapacity);
        return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** A buffer from this allocator holding {@code bytes}. */
    ByteBuf wrap(byte[] bytes) {
        return buffer(bytes.length).writeBytes(bytes);
    }

    synchronized int allocations() {
        return allocated.size();
    }

    /** The initial capacity of every buffer handed out, in order. */
    synchronized List<Integer> capacities() {
        return List.copyOf(capacities);
    }

    /** Fails if any buffer handed out so far is still referenced. */
    synchronized void assertAllReleased() {
        List<String> live = new ArrayList<>();
        for (ByteBuf b : allocated) {
            if (b.refCnt() != 0) {
                live.add(capacities.get(allocated.indexOf(b)) + "-byte buffer with refCnt " + b.refCnt());
            }
        }
        assertThat(live).as("buffers still referenced").isEmpty();
    }
}
