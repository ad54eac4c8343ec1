package dev.treecast.gateway;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A loopback UDP relay between one client and a server, which can be told to go silent in both directions: the
 * client then looks, to the server, exactly like a viewer whose machine dropped off the network (no close, no
 * reset, just nothing).
 */
final class UdpProxy implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final InetSocketAddress target;
    private volatile SocketAddress client;
    private volatile boolean silent;

    UdpProxy(InetSocketAddress target) throws IOException {
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

    int port() {
        return front.getLocalPort();
    }

    /** From now on every datagram, either way, is dropped. */
    void goSilent() {
        silent = true;
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
