package dev.treecast.gateway;

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
 * Fails a test class if Netty's leak detector (paranoid in the surefire run) saw a tracked {@code ByteBuf}
 * collected without {@code release()}. Reports only come when the garbage collector finds the buffer, so after
 * the class this collects a few times and allocates a tracked buffer (which makes the detector poll).
 */
public final class LeakCheck implements AfterAllCallback {
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final boolean LISTENING = listen();

    private static boolean listen() {
        try {
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            @SuppressWarnings("unchecked")
            ResourceLeakDetector<ByteBuf> detector = (ResourceLeakDetector<ByteBuf>) field.get(null);
            detector.setLeakListener((type, records) -> LEAKS.add(type + records));
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false; // another Netty: the detector still logs "LEAK:" lines
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (!LISTENING || ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED) {
            return;
        }
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
            UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        List<String> leaks = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            leaks.add(leak);
        }
        assertThat(leaks).as("buffers collected unreleased during %s", context.getDisplayName()).isEmpty();
    }
}
