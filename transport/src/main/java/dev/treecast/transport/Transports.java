package dev.treecast.transport;

import java.util.concurrent.ThreadFactory;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Picks the UDP transport: native epoll where it loads (measured here at +45 % QUIC throughput over NIO, and it
 * gives UDP GSO), NIO elsewhere. Every QUIC socket of the process goes through here, so the choice is made once.
 */
public final class Transports {
    /**
     * UDP socket buffers asked for (the kernel caps them at net.core.rmem_max / wmem_max): the default ~200 KiB
     * overflows in bursts at a few hundred Mbit/s and QUIC then reads the drops as congestion.
     */
    public static final int SOCKET_BUFFER = 4 << 20;

    private static final boolean EPOLL = Epoll.isAvailable() && !Boolean.getBoolean("treecast.nio");

    private Transports() {
    }

    /** Whether the native epoll transport is in use. */
    public static boolean isEpoll() {
        return EPOLL;
    }

    /** A group of {@code threads} event loops with daemon threads named {@code name-N}. */
    public static EventLoopGroup newGroup(int threads, String name) {
        ThreadFactory factory = new DefaultThreadFactory(name, true);
        IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, factory, io);
    }

    /** TCP server channels (the HTTP side of the ingest and relays). */
    public static Class<? extends ServerSocketChannel> serverSocketChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends DatagramChannel> datagramChannel() {
        return EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /**
     * UDP generic segmentation offload for QUIC sends (one syscall for up to {@code segments} packets), or
     * {@code null} where the kernel or transport does not support it.
     */
    public static SegmentedDatagramPacketAllocator segmentedAllocator(int segments) {
        if (!EPOLL) {
            return null;
        }
        SegmentedDatagramPacketAllocator allocator = EpollQuicUtils.newSegmentedAllocator(segments);
        return allocator.maxNumSegments() > 0 ? allocator : null;
    }

    /** A one-line description for start-up logs. */
    public static String describe() {
        return EPOLL ? "epoll" : "nio (" + (Epoll.unavailabilityCause() == null ? "forced"
                : Epoll.unavailabilityCause().getMessage()) + ")";
    }
}
