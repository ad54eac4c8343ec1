package dev.treecast.gateway.webtransport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.SubscribeError;
import dev.treecast.protocol.control.Unsubscribe;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.moqlite.Announce;
import dev.treecast.protocol.moqlite.AnnounceOk;
import dev.treecast.protocol.moqlite.AnnounceRequest;
import dev.treecast.protocol.moqlite.Frame;
import dev.treecast.protocol.moqlite.GroupHeader;
import dev.treecast.protocol.moqlite.LiteCodec;
import dev.treecast.protocol.moqlite.LiteMessage;
import dev.treecast.protocol.moqlite.MoqLite;
import dev.treecast.protocol.moqlite.Setup;
import dev.treecast.protocol.moqlite.Subscribe;
import dev.treecast.protocol.moqlite.SubscribeResponse;
import dev.treecast.protocol.moqlite.TrackInfo;
import dev.treecast.protocol.moqlite.TrackRequest;
import dev.treecast.relay.core.DownstreamSession;
import dev.treecast.transport.Alpn;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.Future;

/**
 * moq-lite-05 inside one WebTransport session: a translator between the browser's moq-lite streams and the relay
 * core's {@code treecast/1} model, so a moq-lite viewer is one more {@link DownstreamSession} (same subscriptions,
 * cache, budgets and limits as a Treecast viewer) and a different codec on the wire.
 * <ul>
 * <li>moq-lite SUBSCRIBE (a bidirectional stream) becomes a {@code treecast/1} SUBSCRIBE with the same id, from the
 * latest group or the requested start group; the stream ending becomes UNSUBSCRIBE; a SUBSCRIBE_ERROR resets the
 * stream with its code.</li>
 * <li>Each group goes on its own unidirectional stream: {@code GROUP} header, then each object's payload as a
 * frame stamped with its ingest time (µs, timescale 1 000 000). The core's latency budget resets late groups exactly
 * as for {@code treecast/1}.</li>
 * <li>ANNOUNCE_REQUEST streams hear the relay's live broadcasts under their prefix, then every change.</li>
 * <li>TRACK is answered with fixed properties; FETCH and PROBE are not offered (refused per stream).</li>
 * </ul>
 * Broadcast paths are relative to the CONNECT path ({@link #root}). Malformed input from the browser closes this
 * session through {@link DownstreamSession#onProtocolError} (counted, WARN once), nobody else's.
 *
 * <p>Owned by the relay's event loop thread, like the link and the core.
 */
final class MoqLiteSession {
    private static final Logger LOG = LoggerFactory.getLogger(MoqLiteSession.class);
    /** The node id this viewer is known by in the core (it has no SETUP of its own to name itself). */
    static final String NODE_ID = "moq-lite-viewer";

    private final WebTransportLink link;
    private final String root;
    /** Our origin id in ANNOUNCE_OK: any non-zero value; 53 bits, which JavaScript numbers hold exactly. */
    private final long origin = 1 + ThreadLocalRandom.current().nextLong((1L << 53) - 1);
    /** Live broadcasts (full Treecast names), as the core announced them. */
    private final Set<String> live = new LinkedHashSet<>();
    private final Map<QuicStreamChannel, String> announceStreams = new HashMap<>();
    private final Map<Long, QuicStreamChannel> subscribeStreams = new HashMap<>();
    /** Subscriptions whose SUBSCRIBE_START was sent. */
    private final Set<Long> started = new java.util.HashSet<>();

    /**
     * @param root the CONNECT path, the prefix of every broadcast path of the session ({@code /} for none)
     */
    MoqLiteSession(WebTransportLink link, String root) {
        this.link = link;
        this.root = normalize(root);
    }

    String root() {
        return root;
    }

    /**
     * The session is open: admitted in the core as a viewer (the CONNECT's token already checked), and our SETUP sent
     * on its own unidirectional stream (no probing offered, so the browser opens no PROBE stream).
     */
    void start() {
        session().onControl(new dev.treecast.protocol.control.Setup(Alpn.VERSION_1, Role.VIEWER, NODE_ID));
        if (link.isEnded()) {
            return;
        }
        link.openUniStream().addListener((Future<QuicStreamChannel> f) -> {
            if (!f.isSuccess()) {
                return; // the session is going; nothing to tell
            }
            f.getNow().updatePriority(dev.treecast.transport.StreamPriorities.CONTROL);
            ByteBuf out = f.getNow().alloc().directBuffer();
            out.writeByte(MoqLite.DATA_SETUP);
            LiteCodec.encode(Setup.EMPTY, out);
            f.getNow().writeAndFlush(out).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        });
    }

    private DownstreamSession session() {
        return link.session();
    }

    // ------------------------------------------------------------------------------------------ from the browser

    /** A bidirectional stream of this session opened by the browser: its handler reads and dispatches. */
    void onStream(QuicStreamChannel stream) {
        stream.pipeline().addLast(new MoqLiteStreamHandler(this));
    }

    /** The browser broke moq-lite: this session ends with the code (see {@link DownstreamSession#onProtocolError}). */
    void fail(ProtocolException e) {
        session().onProtocolError(e);
    }

    boolean isEnded() {
        return link.isEnded() || session().isClosed();
    }

    void onAnnounceRequest(QuicStreamChannel stream, AnnounceRequest request) {
        String prefix = join(root, request.prefix());
        List<Announce> current = new ArrayList<>();
        for (String broadcast : live) {
            String suffix = suffix(prefix, broadcast);
            if (suffix != null) {
                current.add(Announce.of(true, suffix));
            }
        }
        announceStreams.put(stream, prefix);
        ByteBuf out = stream.alloc().directBuffer();
        LiteCodec.encode(new AnnounceOk(origin, current.size()), out);
        current.forEach(a -> LiteCodec.encode(a, out));
        stream.writeAndFlush(out);
    }

    void onTrackRequest(QuicStreamChannel stream, TrackRequest request) {
        // Fixed properties of every Treecast track: no tie-break priority, newest group first, no publisher
        // latency bound advertised, timestamps in microseconds (the objects' ingest time).
        ByteBuf out = stream.alloc().directBuffer();
        LiteCodec.encode(new TrackInfo(0, false, 0, TrackInfo.MICROSECONDS), out);
        stream.writeAndFlush(out).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }

    void onSubscribe(QuicStreamChannel stream, Subscribe request) {
        String broadcast = join(root, request.broadcast());
        if (!TrackName.isValidName(broadcast, TrackName.MAX_BROADCAST)
                || !TrackName.isValidName(request.track(), TrackName.MAX_TRACK)) {
            // Not a name Treecast can have: there is no such track.
            stream.shutdown(ErrorCode.NOT_FOUND.code());
            return;
        }
        if (subscribeStreams.containsKey(request.id())) {
            throw new ProtocolException(ErrorCode.DUPLICATE_SUBSCRIPTION, "subscribe id " + request.id()
                    + " is in use");
        }
        subscribeStreams.put(request.id(), stream);
        StartPosition start = request.startGroup().isPresent()
                ? new StartPosition.At(request.startGroup().getAsLong(), 0) : StartPosition.LATEST;
        // moq-lite: a higher priority goes first; treecast/1: 0 is the most important.
        int priority = 255 - request.priority();
        session().onControl(new dev.treecast.protocol.control.Subscribe(request.id(),
                new TrackName(broadcast, request.track()), start, priority));
    }

    /** A subscribe stream ended (FIN, reset or gone): the subscription ends, if it still runs. */
    void onSubscribeStreamClosed(QuicStreamChannel stream, long id) {
        if (subscribeStreams.get(id) != stream) {
            return;
        }
        subscribeStreams.remove(id);
        started.remove(id);
        if (stream.isActive()) {
            stream.shutdownOutput();
        }
        if (!isEnded()) {
            session().onControl(new Unsubscribe(id));
        }
    }

    void onAnnounceStreamClosed(QuicStreamChannel stream) {
        announceStreams.remove(stream);
    }

    /** The browser's SETUP (lite-05): nothing in it changes what we do; noted for the log. */
    void onPeerSetup(Setup setup) {
        LOG.debug("{}: moq-lite SETUP {}", link.describe(), setup);
    }

    // ------------------------------------------------------------------------------------------ from the core

    /** A {@code treecast/1} control message the core sends this viewer, said in moq-lite. */
    void send(ControlMessage message) {
        switch (message) {
            case dev.treecast.protocol.control.Announce a -> announce(a.broadcast(), a.live());
            case SubscribeError e -> {
                QuicStreamChannel stream = subscribeStreams.remove(e.subscriptionId());
                started.remove(e.subscriptionId());
                if (stream != null && stream.isActive()) {
                    LOG.debug("{}: subscription {} ends: {} {}", link.describe(), e.subscriptionId(), e.code(),
                            e.reason());
                    stream.shutdown(e.code().code());
                }
            }
            // SETUP_OK, SUBSCRIBE_OK (moq-lite accepts implicitly; START goes with the first group), heartbeats:
            // nothing to say.
            default -> {
            }
        }
    }

    private void announce(String broadcast, boolean active) {
        boolean changed = active ? live.add(broadcast) : live.remove(broadcast);
        if (!changed) {
            return;
        }
        for (Map.Entry<QuicStreamChannel, String> e : announceStreams.entrySet()) {
            String suffix = suffix(e.getValue(), broadcast);
            if (suffix != null && e.getKey().isActive()) {
                write(e.getKey(), Announce.of(active, suffix));
            }
        }
    }

    /**
     * The core opens a stream for {@code group} (in the order it decides to send groups): the subscription's first
     * group resolves its start, which SUBSCRIBE_START tells the browser.
     */
    void onGroupOpening(long subscriptionId, long group) {
        if (started.add(subscriptionId)) {
            QuicStreamChannel stream = subscribeStreams.get(subscriptionId);
            if (stream != null && stream.isActive()) {
                write(stream, new SubscribeResponse.Start(group));
            }
        }
    }

    /** Writes what goes first on a group stream: the data type and the GROUP header. */
    static void writeGroupHeader(ByteBuf out, long subscriptionId, long group) {
        out.writeByte(MoqLite.DATA_GROUP);
        LiteCodec.encode(new GroupHeader(subscriptionId, group), out);
    }

    static int groupHeaderLength(long subscriptionId, long group) {
        return 1 + LiteCodec.encodedLength(new GroupHeader(subscriptionId, group));
    }

    /**
     * The bytes of {@code object} on a moq-lite group stream: a frame header (timestamp delta from {@code previous}
     * on the same stream, payload size) and the payload itself, shared with the cache rather than copied.
     */
    static ByteBuf frame(ObjectFrame object, ObjectFrame previous) {
        long before = previous == null ? 0 : previous.timestampMicros();
        // A few bytes from the cached buffer's (pooled) allocator; the payload is a retained slice, not a copy.
        ByteBuf header = object.wire().alloc().directBuffer(Frame.headerLength(before, object.timestampMicros(),
                object.payloadLength()));
        Frame.writeHeader(header, before, object.timestampMicros(), object.payloadLength());
        return Unpooled.wrappedBuffer(header, object.payload().retain());
    }

    private static void write(QuicStreamChannel stream, LiteMessage message) {
        ByteBuf out = stream.alloc().directBuffer(LiteCodec.encodedLength(message));
        LiteCodec.encode(message, out);
        stream.writeAndFlush(out);
    }

    // ------------------------------------------------------------------------------------------ paths

    static String normalize(String path) {
        return path.replaceAll("/+", "/").replaceAll("^/", "").replaceAll("/$", "");
    }

    static String join(String prefix, String path) {
        return prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "/" + path;
    }

    /** {@code broadcast} relative to {@code prefix} (path boundaries respected), or null when not under it. */
    static String suffix(String prefix, String broadcast) {
        if (prefix.isEmpty()) {
            return broadcast;
        }
        if (broadcast.equals(prefix)) {
            return "";
        }
        return broadcast.startsWith(prefix + "/") ? broadcast.substring(prefix.length() + 1) : null;
    }

    /** A stream kind we do not serve was refused (counted, the session goes on). */
    void refused(String kind) {
        link.metrics().streamRefused("moq-lite-" + kind);
    }
}
