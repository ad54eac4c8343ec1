package dev.treecast.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * A test allocator that remembers every buffer it hands out, so that a test can assert deterministically that all
 * of them were released (Netty's paranoid leak detector only reports after a GC, into the log). It delegates to
 * an unpooled allocator with leak detection on, so paranoid access records are still kept.
 */
public final class TrackingAllocator implements ByteBufAllocator {
    private final ByteBufAllocator delegate = new UnpooledByteBufAllocator(false);
    private final List<ByteBuf> allocated = new ArrayList<>();

    private <B extends ByteBuf> B track(B buf) {
        allocated.add(buf);
        return buf;
    }

    /** A heap buffer holding exactly {@code bytes} (each an unsigned byte value). */
    public ByteBuf bytes(int... bytes) {
        ByteBuf buf = heapBuffer(bytes.length);
        for (int b : bytes) {
            buf.writeByte(b);
        }
        return buf;
    }

    /** A heap buffer holding a copy of {@code bytes}. */
    public ByteBuf wrap(byte[] bytes) {
        return heapBuffer(bytes.length).writeBytes(bytes);
    }

    /** How many buffers were handed out. */
    public int allocations() {
        return allocated.size();
    }

    /** Buffers handed out and not yet fully released. */
    public List<ByteBuf> outstanding() {
        return allocated.stream().filter(b -> b.refCnt() > 0).toList();
    }

    /** Fails if any buffer this allocator handed out is still referenced, then releases the stragglers. */
    public void assertAllReleased() {
        List<ByteBuf> leaked = outstanding();
        try {
            assertThat(leaked).as("buffers still referenced at the end of the test (a leak)").isEmpty();
        } finally {
            for (ByteBuf b : leaked) {
                b.release(b.refCnt());
            }
        }
    }

    @Override
    public ByteBuf buffer() {
        return track(delegate.buffer());
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        return track(delegate.buffer(initialCapacity));
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        return track(delegate.buffer(initialCapacity, maxCapacity));
    }

    @Override
    public ByteBuf ioBuffer() {
        return track(delegate.ioBuffer());
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
        return track(delegate.ioBuffer(initialCapacity));
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
        return track(delegate.ioBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public ByteBuf heapBuffer() {
        return track(delegate.heapBuffer());
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity) {
        return track(delegate.heapBuffer(initialCapacity));
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity, int maxCapacity) {
        return track(delegate.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public ByteBuf directBuffer() {
        return track(delegate.directBuffer());
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity) {
        return track(delegate.directBuffer(initialCapacity));
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
        return track(delegate.directBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public CompositeByteBuf compositeBuffer() {
        return track(delegate.compositeBuffer());
    }

    @Override
    public CompositeByteBuf compositeBuffer(int maxNumComponents) {
        return track(delegate.compositeBuffer(maxNumComponents));
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer() {
        return track(delegate.compositeHeapBuffer());
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
        return track(delegate.compositeHeapBuffer(maxNumComponents));
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer() {
        return track(delegate.compositeDirectBuffer());
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
        return track(delegate.compositeDirectBuffer(maxNumComponents));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return delegate.isDirectBufferPooled();
    }

    @Override
    public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
        return delegate.calculateNewCapacity(minNewCapacity, maxCapacity);
    }
}
