package dev.treecast.cli;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.ingest.director.Director;
import dev.treecast.loadtest.viewer.NativeViewer;
import dev.treecast.media.BoxReader;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.tree.StaticTree;
import io.netty.channel.EventLoopGroup;

/**
 * The whole system in one process, from the same embeddable objects a fleet runs: an ingest playing the built-in
 * clip, a tree of relays shaped outside the relays, a WebTransport gateway on every leaf registered with the
 * director, and optionally a few built-in treecast/1 viewers.
 */
final class Demo implements AutoCloseable {
    /**
     * @param levels         relays per level, top first
     * @param viewers        built-in treecast/1 viewers spread over the leaves
     * @param bind           address every socket binds to
     * @param advertise      host put in the URLs handed to browsers (null: the bind address, or 127.0.0.1)
     * @param viewerCapacity browser viewers each leaf accepts before the director looks elsewhere
     */
    record Options(List<Integer> levels, int viewers, String broadcast, String bind, String advertise, int httpPort,
                   int quicPort, int viewerCapacity) {
    }

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Relay> relays = new ArrayList<>();
    private final List<Relay> leaves = new ArrayList<>();
    private final List<Gateway> gateways = new ArrayList<>();
    private final List<NativeViewer> viewers = new ArrayList<>();
    private final Options options;
    private Ingest ingest;

    private Demo(Options options) {
        this.options = options;
    }

    static Demo start(Options options, PrintStream out) throws Exception {
        Demo demo = new Demo(options);
        try {
            demo.startAll(out);
            return demo;
        } catch (Exception | Error e) {
            demo.close();
            throw e;
        }
    }

    private void startAll(PrintStream out) throws Exception {
        String bind = options.bind();
        ingest = new Ingest(new IngestConfig(RelayConfig.builder().nodeId("ingest")
                .bind(new InetSocketAddress(bind, options.quicPort())).build(),
                new InetSocketAddress(bind, options.httpPort()), BoxReader.DEFAULT_MAX_BOX_SIZE));
        try {
            ingest.start();
        } catch (Exception e) {
            throw DemoCommand.portInUse(e, "--http-port " + options.httpPort() + " / --quic-port "
                    + options.quicPort());
        }
        running.add(ingest);
        ingest.playDemoClip(options.broadcast());
        out.printf("ingest      QUIC %s   HTTP %s   playing the built-in clip as '%s'%n", ingest.quicAddress(),
                httpUrl(ingest.httpAddress()), options.broadcast());

        // The shape is decided outside the relays: each only learns its parent's address.
        Map<String, Relay> byId = new HashMap<>();
        byId.put("ingest", ingest.root());
        for (StaticTree.Placement place : StaticTree.of("ingest", options.levels())) {
            Relay parent = byId.get(place.parentId());
            Relay relay = new Relay(RelayConfig.builder().nodeId(place.nodeId())
                    .bind(new InetSocketAddress(bind, 0)).parent(parent.quicAddress()).build()).start();
            running.add(0, relay);
            byId.put(place.nodeId(), relay);
            relays.add(relay);
            String edge = "";
            if (place.level() == options.levels().size()) {
                leaves.add(relay);
                Gateway gateway = new Gateway(relay, GatewayConfig.builder()
                        .webTransportBind(new InetSocketAddress(bind, 0)).httpBind(new InetSocketAddress(bind, 0))
                        .advertisedHost(options.advertise()).build()).start();
                running.add(0, gateway);
                gateways.add(gateway);
                ingest.director().register(new Director.Edge(relay.nodeId(), gateway.webTransportUrl(""),
                        relay.certificates().sha256Hex(), "local", gateway::sessionCount, options.viewerCapacity()));
                edge = "   WebTransport " + gateway.webTransportUrl("");
            }
            out.printf("%-11s QUIC %s   parent %s%s%n", place.nodeId(), relay.quicAddress(), place.parentId(), edge);
        }

        if (options.viewers() > 0) {
            EventLoopGroup viewerLoop = Transports.newGroup(1, "demo-viewers");
            running.add(0, () -> viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
            QuicClientEndpoint endpoint = QuicClientEndpoint.bind(viewerLoop.next(), new InetSocketAddress(bind, 0),
                    QuicSettings.DEFAULT, Alpn.TREECAST_1);
            running.add(0, endpoint);
            for (int i = 0; i < options.viewers(); i++) {
                Relay leaf = leaves.get(i % leaves.size());
                NativeViewer viewer = new NativeViewer("viewer-" + (i + 1), options.broadcast(),
                        List.of("video", "audio"), () -> System.currentTimeMillis() * 1000);
                viewer.connect(endpoint, leaf.quicAddress());
                running.add(0, viewer);
                viewers.add(viewer);
            }
            out.printf("%d viewers (treecast/1 over QUIC) on the %d leaf relays%n", options.viewers(), leaves.size());
        }
        out.printf("open %s in Chromium to watch (WebTransport through the tree)%n", playerUrl());
    }

    private String httpUrl(InetSocketAddress address) {
        String host = options.advertise() != null ? options.advertise()
                : address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return "http://" + host + ":" + address.getPort();
    }

    /** The page a browser opens: it asks the ingest's director for an edge, then plays from it. */
    String playerUrl() {
        return httpUrl(ingest.httpAddress()) + "/watch/" + options.broadcast();
    }

    Ingest ingest() {
        return ingest;
    }

    List<Relay> relays() {
        return relays;
    }

    List<Gateway> gateways() {
        return gateways;
    }

    List<NativeViewer> viewers() {
        return viewers;
    }

    @Override
    public void close() {
        DemoCommand.closeAll(running);
    }
}
