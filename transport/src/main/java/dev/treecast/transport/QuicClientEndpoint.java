package dev.treecast.transport;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;

/**
 * One local UDP socket from which any number of outgoing QUIC connections are made, all on one event loop (the
 * client codec demultiplexes them by connection id). A relay uses one for its upstream links; the load tester
 * shares a few among thousands of viewers.
 *
 * <p>Server certificates are not verified yet: links are encrypted, not authenticated. Fleet authentication
 * (mutual TLS or join tokens) is a separate piece of work.
 */
public final class QuicClientEndpoint implements AutoCloseable {
    /** A handshake that takes longer than this fails (a peer that is gone does not answer at all). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final Channel channel;
    private volatile Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

    private QuicClientEndpoint(Channel channel) {
        this.channel = channel;
    }

    /** How long a handshake may take before the connection attempt fails. */
    public QuicClientEndpoint connectTimeout(Duration timeout) {
        this.connectTimeout = timeout;
        return this;
    }

    /** Binds an ephemeral port on {@code bindAddress} (e.g. {@code 0.0.0.0:0}) on {@code loop}. */
    public static QuicClientEndpoint bind(EventLoop loop, InetSocketAddress bindAddress, QuicSettings settings,
                                          String... alpn) throws InterruptedException {
        QuicSslContext ssl = QuicSslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(alpn)
                .build();
        ChannelHandler codec = settings.applyTo(new QuicClientCodecBuilder())
                .sslContext(ssl)
                .build();
        Channel channel = new Bootstrap()
                .group(loop)
                .channel(Transports.datagramChannel())
                .option(ChannelOption.SO_RCVBUF, Transports.SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, Transports.SOCKET_BUFFER)
                .handler(codec)
                .bind(bindAddress)
                .sync()
                .channel();
        return new QuicClientEndpoint(channel);
    }

    /** Binds an ephemeral loopback-or-any port: {@code 0.0.0.0:0}. */
    public static QuicClientEndpoint bind(EventLoop loop, QuicSettings settings, String... alpn)
            throws InterruptedException {
        return bind(loop, new InetSocketAddress(0), settings, alpn);
    }

    /**
     * Starts a connection; the future completes when the handshake is done.
     *
     * @param connectionHandler added to the {@code QuicChannel}'s pipeline
     * @param streamHandler     added to each stream the server opens
     */
    public Future<QuicChannel> connect(InetSocketAddress remote, ChannelHandler connectionHandler,
                                       ChannelHandler streamHandler) {
        QuicChannelBootstrap bootstrap = QuicChannel.newBootstrap(channel)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(connectionHandler)
                .streamHandler(streamHandler)
                .remoteAddress(remote);
        SegmentedDatagramPacketAllocator gso = Transports.segmentedAllocator(16);
        if (gso != null) {
            bootstrap.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
        }
        return bootstrap.connect();
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * Closes the UDP socket at once without telling any peer, as a crashed process would (tests and chaos
     * only): connections on it go silent. Must be called on {@link #eventLoop()}.
     */
    public void abort() {
        channel.unsafe().closeForcibly();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
