package dev.treecast.gateway.webtransport;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.gateway.GatewayMetrics;
import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.relay.core.RelayCore;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Accepts WebTransport sessions on a QUIC server whose ALPN is {@code h3}, and attaches each to the relay core as a
 * {@link dev.treecast.relay.core.DownstreamSession}, exactly as {@code RawQuicAcceptor} does for raw QUIC. Per
 * connection the pipeline is: {@link WebTransportConnection} (sees every new stream first), Netty's
 * {@link Http3ServerConnectionHandler} (SETTINGS, QPACK, request streams), an error sink.
 *
 * <p>Everything runs on the QUIC server's event loop, which must be the relay's.
 */
public final class WebTransportAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(WebTransportAcceptor.class);

    private final RelayCore core;
    private final GatewayMetrics metrics;
    private final int maxSessions;
    private final Duration handshakeTimeout;
    private final Set<WebTransportLink> links = new LinkedHashSet<>();
    private boolean shuttingDown;
    /** Connections open, handshaking or not. */
    private int connections;
    /** Connections whose TLS handshake completed: at most {@link #maxConnections()}. */
    private int established;

    /**
     * @param maxSessions      sessions (one per connection) served at once; a CONNECT beyond is answered 503
     * @param handshakeTimeout a connection without a set-up session (SETUP received) this long after its first
     *                         packet is closed with TIMEOUT
     */
    public WebTransportAcceptor(RelayCore core, GatewayMetrics metrics, int maxSessions, Duration handshakeTimeout) {
        this.core = core;
        this.metrics = metrics;
        this.maxSessions = maxSessions;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** For {@code QuicServer.bind(..., connectionHandler, ...)}. */
    public ChannelHandler connectionHandler() {
        return new ConnectionInitializer();
    }

    /**
     * For {@code QuicServer.bind(..., streamHandler)}: HTTP/3 and {@link WebTransportConnection} set up every peer
     * stream already, so this only passes events through.
     */
    public ChannelHandler streamHandler() {
        return PassThrough.INSTANCE;
    }

    /** Sessions open now. Event loop only. */
    public int sessionCount() {
        return links.size();
    }

    /** Ends every session with GOING_AWAY and closes their connections at once. Event loop only. */
    public void shutdown() {
        shuttingDown = true;
        for (WebTransportLink link : List.copyOf(links)) {
            link.session().close(ErrorCode.GOING_AWAY, "gateway shutting down");
        }
    }

    RelayCore core() {
        return core;
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    int maxSessions() {
        return maxSessions;
    }

    Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    void connectionOpened() {
        connections++;
        metrics.connections(connections);
    }

    /**
     * Connections held at once: twice {@link #maxSessions}, so that viewers of a full gateway reach CONNECT and get
     * 503 (a clear answer) while those without a session are bounded too (each for the handshake timeout at most).
     */
    int maxConnections() {
        return (int) Math.min(Integer.MAX_VALUE, 2L * maxSessions);
    }

    /** A connection completed its TLS handshake: whether it may stay ({@link #maxConnections()} not reached). */
    boolean admit() {
        if (established >= maxConnections()) {
            return false;
        }
        established++;
        return true;
    }

    /** @param admitted what {@link #admit} said for it (false if it never got that far) */
    void connectionClosed(boolean admitted) {
        connections--;
        if (admitted) {
            established--;
        }
        metrics.connections(connections);
    }

    /** A viewer hit a limit: counted in the gateway's metrics and logged at WARN (throttled). */
    void limitHit(String limit, String peer, String what) {
        metrics.limitHit(limit);
        core.limitLog().hit(limit, peer, what);
    }

    boolean isShuttingDown() {
        return shuttingDown;
    }

    void opened(WebTransportLink link) {
        links.add(link);
        metrics.sessionOpened();
        LOG.debug("{}: session {} opened", link.describe(), link.sessionId());
    }

    void ended(WebTransportLink link, CloseReason reason) {
        if (links.remove(link)) {
            metrics.sessionClosed(reason);
            LOG.debug("{}: session {} ended ({})", link.describe(), link.sessionId(), reason.tag());
        }
    }

    /** A viewer's WebTransport unidirectional stream is read (a moq-lite session's SETUP); other types refused. */
    private ChannelHandler unknownStream(WebTransportConnection connection, long type) {
        return type == StreamPrefix.UNIDIRECTIONAL_TYPE ? new MoqLiteUniStreamHandler(connection)
                : refuseUnknownStream(type);
    }

    private ChannelHandler refuseUnknownStream(long type) {
        metrics.streamRefused(type == StreamPrefix.UNIDIRECTIONAL_TYPE ? "webtransport-uni" : "unknown-type");
        return new RefusedStreamHandler(WebTransportErrors.H3_STREAM_CREATION_ERROR);
    }

    @ChannelHandler.Sharable
    private final class ConnectionInitializer extends ChannelInitializer<QuicChannel> {
        @Override
        protected void initChannel(QuicChannel channel) {
            WebTransportConnection connection = new WebTransportConnection(WebTransportAcceptor.this, channel);
            Http3SettingsFrame settings = WebTransportSettings.serverFrame();
            channel.pipeline().addLast(connection,
                    new Http3ServerConnectionHandler(new ConnectStreamInitializer(connection),
                            new PeerControlStreamHandler(), type -> unknownStream(connection, type), settings,
                            true, (id, value) -> true),
                    new ConnectionErrorSink());
        }
    }

    /** Puts a {@link ConnectStreamHandler} on each request stream (after HTTP/3's codec and validators). */
    @ChannelHandler.Sharable
    private static final class ConnectStreamInitializer extends ChannelInitializer<QuicStreamChannel> {
        private final WebTransportConnection connection;

        ConnectStreamInitializer(WebTransportConnection connection) {
            this.connection = connection;
        }

        @Override
        protected void initChannel(QuicStreamChannel stream) {
            stream.pipeline().addLast(new ConnectStreamHandler(connection));
        }
    }

    /** Frames of the viewer's HTTP/3 control stream (SETTINGS, GOAWAY, GREASE): noted and released. */
    private static final class PeerControlStreamHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http3SettingsFrame settings) {
                LOG.debug("peer {} settings {}", ctx.channel().parent().remoteAddress(), settings);
            }
            ReferenceCountUtil.release(msg);
        }
    }

    /** Last on the connection pipeline: HTTP/3 connection errors were already acted on (the connection closed). */
    private static final class ConnectionErrorSink extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("HTTP/3 connection error from {}: {}", ((QuicChannel) ctx.channel()).remoteSocketAddress(),
                    cause.toString());
        }
    }

    @ChannelHandler.Sharable
    private static final class PassThrough extends ChannelInboundHandlerAdapter {
        static final PassThrough INSTANCE = new PassThrough();
    }
}
