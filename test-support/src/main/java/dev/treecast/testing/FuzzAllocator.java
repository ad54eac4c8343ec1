package dev.treecast.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * An allocator for one fuzz input that remembers what it handed out, so that the input fails at once if any of it
 * is still referenced at the end: stricter than Netty's leak detector, which only reports after a GC and never
 * tracks heap buffers. Its own buffers skip the detector: its paranoid level records a stack trace on every access
 * to a direct buffer, which slows fuzzing some thirty times; everything else the code under test allocates is
 * still watched by it.
 */
public final class FuzzAllocator extends AbstractByteBufAllocator {
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);

    private final List<ByteBuf> allocated = new ArrayList<>();

    public FuzzAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = UNTRACKED.heapBuffer(initialCapacity, maxCapacity);
        allocated.add(b);
        return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = UNTRACKED.directBuffer(initialCapacity, maxCapacity);
        allocated.add(b);
        return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** A heap buffer holding a copy of {@code bytes}. */
    public ByteBuf wrap(byte[] bytes) {
        return heapBuffer(bytes.length).writeBytes(bytes);
    }

    /** Fails if any buffer handed out is still referenced. */
    public void assertAllReleased() {
        for (ByteBuf b : allocated) {
            assertThat(b.refCnt()).as("a buffer of %d bytes is still referenced (a leak)", b.capacity()).isZero();
        }
    }
}
