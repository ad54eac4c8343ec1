package dev.treecast.ingest.testing;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;

/**
 * A relay in the tree that alters what it forwards, for tests of signed objects. It is built from public pieces
 * only, so that no production relay can be told to tamper: a subscriber session to its upstream takes the given
 * tracks, and a root {@link Relay} serves them to whoever attaches below (relays with this as their parent, viewers)
 * from its own cache, exactly as a relay would, except that when armed it flips one byte of one object's payload and
 * forwards that object with its original signature.
 */
public final class TamperingRelay implements AutoCloseable {
    /** An object this relay altered: which one, and where in its payload the flipped byte is. */
    public record Tampered(TrackName track, long group, long sequence, int payloadOffset) {
    }

    private record Armed(TrackName track, LongPredicate sequence) {
    }

    private final Relay relay;
    private final EventLoopGroup clientLoop;
    private final QuicClientEndpoint endpoint;
    private final Set<TrackName> subscribed = ConcurrentHashMap.newKeySet();
    private final List<Tampered> tampered = new CopyOnWriteArrayList<>();
    private final AtomicReference<Armed> armed = new AtomicReference<>();
    private ClientSession session;

    private TamperingRelay(Relay relay, EventLoopGroup clientLoop, QuicClientEndpoint endpoint) {
        this.relay = relay;
        this.clientLoop = clientLoop;
        this.endpoint = endpoint;
    }

    /** Starts on a free loopback port, subscribed to {@code tracks} at {@code upstream}, and waits until it is. */
    public static TamperingRelay start(String nodeId, InetSocketAddress upstream, List<TrackName> tracks)
            throws Exception {
        Relay relay = new Relay(RelayConfig.builder().nodeId(nodeId).build()).start();
        EventLoopGroup loop = Transports.newGroup(1, nodeId + "-upstream");
        TamperingRelay tamperer = new TamperingRelay(relay, loop,
                QuicClientEndpoint.bind(loop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1));
        try {
            tamperer.session = ClientSession.connect(tamperer.endpoint, upstream, ClientSession.Options.relay(nodeId),
                    new ClientSession.Listener() {
                    }).get(10, TimeUnit.SECONDS);
            for (TrackName track : tracks) {
                relay.origin().declare(track);
                tamperer.session.subscribe(track, StartPosition.LATEST, 0, tamperer.new Forwarder(track));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (tamperer.subscribed.size() < tracks.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(nodeId + ": upstream did not accept " + tracks);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
            return tamperer;
        } catch (Exception | Error e) {
            tamperer.close();
            throw e;
        }
    }

    /** The next object of {@code track} whose sequence matches is altered (once). */
    public void tamper(TrackName track, LongPredicate sequence) {
        armed.set(new Armed(track, sequence));
    }

    /** The next object of {@code track} to arrive is altered (once). */
    public void tamperNext(TrackName track) {
        tamper(track, s -> true);
    }

    /** What was altered so far. */
    public List<Tampered> tampered() {
        return List.copyOf(tampered);
    }

    public String nodeId() {
        return relay.nodeId();
    }

    /** Where relays and viewers attach below. */
    public InetSocketAddress quicAddress() {
        return relay.quicAddress();
    }

    public Relay relay() {
        return relay;
    }

    @Override
    public void close() {
        if (session != null) {
            session.close(ErrorCode.GOING_AWAY, "test over");
        }
        endpoint.close();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        relay.close();
    }

    /** One upstream track: republished at this relay's root, one object altered when armed. */
    private final class Forwarder implements ClientSession.SubscriptionListener {
        private final TrackName track;

        Forwarder(TrackName track) {
            this.track = track;
        }

        @Override
        public void onSubscribed(OptionalLong latestGroup) {
            subscribed.add(track);
        }

        @Override
        public void onSubscribeError(ErrorCode code, String reason) {
        }

        @Override
        public void onObject(long group, ObjectFrame object) {
            Armed a = armed.get();
            if (a != null && a.track().equals(track) && a.sequence().test(object.sequence())
                    && object.payloadLength() > 0 && armed.compareAndSet(a, null)) {
                object = flipOneByte(group, object);
            }
            relay.origin().publish(track, group, object);
        }

        /** A copy of {@code object} with the middle byte of its payload inverted; the signature is left as it was. */
        private ObjectFrame flipOneByte(long group, ObjectFrame object) {
            int length = object.wireLength();
            int offset = object.payloadLength() / 2;
            int at = length - object.payloadLength() + offset;
            long sequence = object.sequence();
            ByteBuf wire = PooledByteBufAllocator.DEFAULT.directBuffer(length);
            try {
                wire.writeBytes(object.wire(), object.wire().readerIndex(), length);
            } finally {
                object.release();
            }
            wire.setByte(at, ~wire.getByte(at));
            tampered.add(new Tampered(track, group, sequence, offset));
            return ObjectFrame.wrap(wire);
        }

        @Override
        public void onGroupEnd(long group, ErrorCode code) {
            if (code == ErrorCode.NO_ERROR) {
                relay.origin().endGroup(track, group);
            }
        }
    }
}
