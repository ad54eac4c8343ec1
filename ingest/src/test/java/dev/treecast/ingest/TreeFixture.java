package dev.treecast.ingest;

import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.media.FragmentInfo;
import dev.treecast.media.FragmentSplitter;
import dev.treecast.media.InitSegment;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/** An ingest, one relay below it, and a subscriber on the relay: the smallest real tree. */
final class TreeFixture implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Ingest ingest;
    final Relay relay;
    private final EventLoopGroup clientLoop;
    private final QuicClientEndpoint endpoint;
    private final ClientSession session;

    TreeFixture() throws Exception {
        ingest = new Ingest(IngestConfig.loopback()).start();
        relay = new Relay(RelayConfig.builder().nodeId("relay-1").parent(ingest.quicAddress()).build()).start();
        clientLoop = Transports.newGroup(1, "viewer");
        endpoint = QuicClientEndpoint.bind(clientLoop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        session = ClientSession.connect(endpoint, relay.quicAddress(), ClientSession.Options.viewer("viewer"),
                new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
    }

    RecordingSubscriber subscribe(String broadcast, String track) {
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(new TrackName(broadcast, track), StartPosition.LATEST, 0, recorder);
        return recorder;
    }

    static JsonNode catalog(RecordingSubscriber catalog) throws Exception {
        List<RecordingSubscriber.Received> objects = catalog.objects();
        return JSON.readTree(objects.get(objects.size() - 1).payload());
    }

    /** The init segment of each track named in {@code catalog}. */
    static Map<String, InitSegment> inits(JsonNode catalog) {
        Map<String, InitSegment> inits = new HashMap<>();
        for (JsonNode track : catalog.get("tracks")) {
            byte[] init = Base64.getDecoder().decode(track.get("init").asText());
            inits.put(track.get("name").asText(), InitSegment.parse(Unpooled.wrappedBuffer(init)));
        }
        return inits;
    }

    /** Parses one object's payload as a single-track fragment of {@code init}. */
    static FragmentInfo inspect(InitSegment init, byte[] fragment) {
        List<FragmentInfo> infos = new FragmentSplitter(init).inspect(Unpooled.wrappedBuffer(fragment));
        if (infos.size() != 1) {
            throw new AssertionError("expected a single-track fragment, got " + infos);
        }
        return infos.get(0);
    }

    @Override
    public void close() {
        endpoint.close();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        relay.close();
        ingest.close();
    }
}
