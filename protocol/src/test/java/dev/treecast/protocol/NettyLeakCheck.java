package dev.treecast.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

/**
 * Turns Netty's leak reports into test failures. {@link TrackingAllocator} catches leaks of the buffers a test
 * hands out itself; this catches buffers the code under test allocates elsewhere (e.g. from
 * {@code Unpooled}). After each test class it collects garbage a few times, lets the detector poll its queue and
 * fails if any {@code ByteBuf} was garbage-collected unreleased (the surefire run uses the paranoid level, so
 * every leak-aware buffer is tracked and the report carries its access records). Note that Netty never tracks
 * unpooled heap buffers, at any level: those are only caught by {@link TrackingAllocator}.
 */
public final class NettyLeakCheck implements AfterAllCallback {
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final boolean INSTALLED = install();

    private static boolean install() {
        try {
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            @SuppressWarnings("unchecked")
            ResourceLeakDetector<ByteBuf> detector = (ResourceLeakDetector<ByteBuf>) f.get(null);
            detector.setLeakListener((type, records) -> LEAKS.add(type + records));
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // another Netty version: fall back to the log-only reports
            return false;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (!INSTALLED || ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED) {
            return;
        }
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(10);
            // allocating a tracked buffer makes the detector poll for collected, unreleased buffers
            UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        List<String> leaks = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            leaks.add(leak);
        }
        assertThat(leaks).as("ByteBufs garbage-collected without release() (reported after %s)",
                context.getDisplayName()).isEmpty();
    }
}
