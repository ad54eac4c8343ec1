package dev.treecast.relay.testing;

import java.util.Random;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/** Publishes deterministic objects at a root relay: payload bytes derive from (group, object), so any copy checks. */
public final class Publisher {
    private final Relay root;
    private final TrackName track;

    public Publisher(Relay root, TrackName track) {
        this.root = root;
        this.track = track;
        root.origin().declare(track);
    }

    public static byte[] payload(long group, long object, int size) {
        byte[] bytes = new byte[size];
        new Random(group * 1_000_003L + object).nextBytes(bytes);
        return bytes;
    }

    public static long timestamp(long group, long object) {
        return 1_700_000_000_000_000L + group * 1_000_000L + object * 1_000L;
    }

    public void publish(long group, long object, int size) {
        ByteBuf payload = Unpooled.wrappedBuffer(payload(group, object, size));
        ObjectFrame frame = ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, object, timestamp(group, object), null,
                payload);
        root.origin().publish(track, group, frame);
    }

    public void endGroup(long group) {
        root.origin().endGroup(track, group);
    }

    /** Publishes a whole group of {@code objects} objects of {@code size} bytes and ends it. */
    public void group(long group, int objects, int size) {
        for (int o = 0; o < objects; o++) {
            publish(group, o, size);
        }
        endGroup(group);
    }
}
