package dev.treecast.relay.core;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.data.ObjectFrame;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamPriority;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;

/**
 * One group being sent to one subscriber on its own stream. It writes each object of the shared
 * {@link CachedGroup} as a retained duplicate of the cached buffer (no copy per subscriber) and counts the writes
 * QUIC has taken, so the subscription can tell how far behind the subscriber is.
 */
final class GroupSend implements ChannelFutureListener {
    private final Subscription subscription;
    private final CachedGroup group;
    private QuicStreamChannel stream;
    private int nextIndex;
    private final int fromIndex;
    private int acceptedIndex;
    private boolean finWritten;
    private boolean finished;

    GroupSend(Subscription subscription, CachedGroup group, int fromIndex) {
        this.subscription = subscription;
        this.group = group;
        this.nextIndex = fromIndex;
        this.fromIndex = fromIndex;
        this.acceptedIndex = fromIndex;
        group.retain();
    }

    CachedGroup group() {
        return group;
    }

    long sequence() {
        return group.sequence();
    }

    boolean isFinished() {
        return finished;
    }

    /** Called with the result of opening the stream. */
    void onOpened(Future<QuicStreamChannel> future) {
        if (finished) {
            if (future.isSuccess()) {
                future.getNow().shutdownOutput(ErrorCode.CANCELLED.code());
            }
            return;
        }
        if (!future.isSuccess()) {
            subscription.onSendFailed(this, "cannot open stream: " + future.cause());
            finish();
            return;
        }
        stream = future.getNow();
        stream.closeFuture().addListener(new GenericFutureListener<Future<Void>>() {
            @Override
            public void operationComplete(Future<Void> f) {
                finish();
            }
        });
        pump();
    }

    /** Writes every object not yet written, then FIN once the group is complete. */
    void pump() {
        if (stream == null || finished) {
            return;
        }
        int size = group.size();
        while (nextIndex < size) {
            int index = nextIndex++;
            subscription.metrics().forwarded(group.object(index).wireLength());
            ObjectFrame previous = index > fromIndex ? group.object(index - 1) : null;
            stream.write(subscription.session().link().encodeObject(group.object(index), previous))
                    .addListener(this);
        }
        if (group.abortCode() != null) {
            reset(group.abortCode());
            return;
        }
        if (group.isComplete() && !finWritten) {
            finWritten = true;
            stream.write(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true));
        }
    }

    /** A write was taken by QUIC (or failed because the stream went away). */
    @Override
    public void operationComplete(ChannelFuture future) {
        acceptedIndex++;
    }

    /**
     * Whether the oldest object QUIC has not yet taken arrived more than {@code budgetNanos} ago: the subscriber
     * is that far behind on this group.
     */
    boolean isBehind(long nowNanos, long budgetNanos) {
        if (stream == null) {
            return nextIndex < group.size() && nowNanos - group.arrivalNanos(nextIndex) > budgetNanos;
        }
        return acceptedIndex < nextIndex && nowNanos - group.arrivalNanos(acceptedIndex) > budgetNanos;
    }

    void prioritize(QuicStreamPriority priority) {
        if (stream != null && !finished) {
            stream.updatePriority(priority);
        }
    }

    /** Stops sending: RESET_STREAM with {@code code} (RFC 9000 §19.4). */
    void reset(ErrorCode code) {
        if (finished) {
            return;
        }
        if (stream != null && stream.isActive()) {
            stream.shutdownOutput(code.code());
        }
        finish();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        group.release();
        subscription.onSendFinished(this);
    }

    @Override
    public String toString() {
        return "GroupSend[" + group.key() + ", written " + nextIndex + ", accepted " + acceptedIndex + "]";
    }
}
