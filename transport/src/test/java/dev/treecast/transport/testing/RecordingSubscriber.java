package dev.treecast.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.ClientSession;
import io.netty.buffer.ByteBufUtil;

/** Records everything a subscription receives, copying payloads so frames are released at once. */
final class RecordingSubscriber implements ClientSession.SubscriptionListener {
    record Received(long group, long sequence, long timestampMicros, byte[] payload, long arrivalNanos) {
    }

    record GroupEnd(long group, ErrorCode code) {
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

    boolean subscribed() {
        return subscribed;
    }

    ErrorCode error() {
        return error;
    }

    String errorReason() {
        return errorReason;
    }

    synchronized List<Received> objects() {
        return List.copyOf(objects);
    }

    synchronized int count() {
        return objects.size();
    }

    synchronized List<GroupEnd> ends() {
        return List.copyOf(ends);
    }

    synchronized long endsWith(ErrorCode code) {
        return ends.stream().filter(e -> e.code() == code).count();
    }
}
