package dev.treecast.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback UDP relay between one client socket and a server, which can drop datagrams: all of them from some moment
 * on (the client then looks, to the server, exactly like a peer whose machine dropped off the network: no close, no
 * reset, just nothing), or the next few the client sends (a lost handshake packet). Every connection from the
 * client's socket goes through it, QUIC telling them apart by connection id.
 */
public final class UdpProxy implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final InetSocketAddress target;
    private final AtomicInteger dropUp = new AtomicInteger();
    private final AtomicInteger droppedUp = new AtomicInteger();
    private volatile SocketAddress client;
    private volatile boolean silent;

    public UdpProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        front = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        back = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        // One thread a direction: with the default ~200 KiB buffers a busy machine drops handshake bursts here,
        // and Kwik's backed-off retransmissions then outlast the connect timeout (seen as a rare failure).
        for (DatagramSocket s : new DatagramSocket[] {front, back}) {
            s.setReceiveBufferSize(4 << 20);
            s.setSendBufferSize(4 << 20);
        }
        Thread.ofPlatform().daemon().name("proxy-up").start(() -> pump(front, true));
        Thread.ofPlatform().daemon().name("proxy-down").start(() -> pump(back, false));
    }

    public int port() {
        return front.getLocalPort();
    }

    /** The address clients connect to. */
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port());
    }

    /** From now on every datagram, either way, is dropped. */
    public void goSilent() {
        silent = true;
    }

    /** The next {@code count} datagrams from the client are dropped. */
    public void dropNextFromClient(int count) {
        dropUp.addAndGet(count);
    }

    /** Datagrams from the client dropped by {@link #dropNextFromClient}. */
    public int droppedFromClient() {
        return droppedUp.get();
    }

    private void pump(DatagramSocket from, boolean up) {
        byte[] buffer = new byte[65_536];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            while (!from.isClosed()) {
                packet.setData(buffer);
                from.receive(packet);
                if (silent) {
                    continue;
                }
                if (up) {
                    client = packet.getSocketAddress();
                    if (dropUp.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        droppedUp.incrementAndGet();
                        continue;
                    }
                    back.send(new DatagramPacket(buffer, packet.getLength(), target));
                } else if (client != null) {
                    front.send(new DatagramPacket(buffer, packet.getLength(), client));
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() {
        front.close();
        back.close();
    }
}
