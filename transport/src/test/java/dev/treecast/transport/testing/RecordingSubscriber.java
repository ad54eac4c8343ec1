package dev.treecast.transport.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.ClientSession;
import io.netty.buffer.ByteBufUtil;

/** Records everything a subscription receives, copying payloads so frames are released at once. */
public final class RecordingSubscriber implements ClientSession.SubscriptionListener {
    public record Received(long group, long sequence, long timestampMicros, byte[] payload, long arrivalNanos) {
    }

    public record GroupEnd(long group, ErrorCode code) {
    }

    private final List<Received> objects = new ArrayList<>();
    private final List<GroupEnd> ends = new ArrayList<>();
    private volatile boolean subscribed;
    private volatile ErrorCode error;
    private volatile String errorReason;

    @Override
    public void onSubscribed(OptionalLong latestGroup) {
        subscribed = true;
    }

    @Override
    public void onSubscribeError(ErrorCode code, String reason) {
        error = code;
        errorReason = reason;
    }

    @Override
    public void onObject(long group, ObjectFrame object) {
        try {
            Received r = new Received(group, object.sequence(), object.timestampMicros(),
                    ByteBufUtil.getBytes(object.payload()), System.nanoTime());
            synchronized (this) {
                objects.add(r);
            }
        } finally {
            object.release();
        }
    }

    @Override
    public synchronized void onGroupEnd(long group, ErrorCode code) {
        ends.add(new GroupEnd(group, code));
    }

    public boolean subscribed() {
        return subscribed;
    }

    public ErrorCode error() {
        return error;
    }

    public String errorReason() {
        return errorReason;
    }

    public synchronized List<Received> objects() {
        return List.copyOf(objects);
    }

    public synchronized int count() {
        return objects.size();
    }

    public synchronized List<GroupEnd> ends() {
        return List.copyOf(ends);
    }

    public synchronized long endsWith(ErrorCode code) {
        return ends.stream().filter(e -> e.code() == code).count();
    }
}
