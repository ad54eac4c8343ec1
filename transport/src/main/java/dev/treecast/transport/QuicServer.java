package dev.treecast.transport;

import java.net.InetSocketAddress;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;

/**
 * One UDP socket accepting QUIC connections, bound to a single event loop: every connection and stream of this
 * socket runs on that loop's thread, which therefore owns all the state the handlers touch.
 */
public final class QuicServer implements AutoCloseable {
    private final Channel channel;

    private QuicServer(Channel channel) {
        this.channel = channel;
    }

    /**
     * Binds {@code address} (port 0 picks a free one).
     *
     * @param connectionHandler added to each new {@code QuicChannel}'s pipeline (must be sharable or an
     *                          initializer)
     * @param streamHandler     added to each stream the peer opens (must be sharable or an initializer)
     */
    public static QuicServer bind(EventLoop loop, InetSocketAddress address, Certificates certificates,
                                  QuicSettings settings, ChannelHandler connectionHandler,
                                  ChannelHandler streamHandler, String... alpn) throws InterruptedException {
        QuicSslContext ssl = QuicSslContextBuilder.forServer(certificates.privateKey(), null, certificates.chain())
                .applicationProtocols(alpn)
                .build();
        QuicServerCodecBuilder builder = settings.applyTo(new QuicServerCodecBuilder())
                .sslContext(ssl)
                // No Retry round trip: viewers start faster; quiche still enforces the 3x anti-amplification
                // limit on unvalidated addresses (RFC 9000 §8.1).
                .tokenHandler(null)
                .handler(connectionHandler)
                .streamHandler(streamHandler);
        SegmentedDatagramPacketAllocator gso = Transports.segmentedAllocator(16);
        if (gso != null) {
            builder.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
        }
        Channel channel = new Bootstrap()
                .group(loop)
                .channel(Transports.datagramChannel())
                .option(ChannelOption.SO_RCVBUF, Transports.SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, Transports.SOCKET_BUFFER)
                .handler(builder.build())
                .bind(address)
                .sync()
                .channel();
        return new QuicServer(channel);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** Closes the socket; connections on it stop at once (peers see an idle timeout or a stateless reset). */
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
