package dev.treecast.ingest.treemap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.channel.EventLoopGroup;

/**
 * The tree map over real HTTP on loopback: the page and its script, the JSON snapshot with a real relay's traffic,
 * the Server-Sent Events feed, and its connection bound.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeMapFeedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Socket> sockets = new ArrayList<>();
    private Ingest ingest;
    private Relay relay;
    private EventLoopGroup viewerLoop;
    private QuicClientEndpoint endpoint;

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (viewerLoop != null) {
            viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (relay != null) {
            relay.close();
        }
        if (ingest != null) {
            ingest.close();
        }
        http.close();
    }

    private void startTree() throws Exception {
        ingest = new Ingest(IngestConfig.loopback()).start();
        ingest.synthetic("live", 2_000_000);
        relay = new Relay(RelayConfig.builder().nodeId("relay-1").bind(new InetSocketAddress("127.0.0.1", 0))
                .tree(RelayConfig.Tree.join(ingest.quicAddress(), "eu", 2)).build()).start();
        Await.until("relay-1 attached", Duration.ofSeconds(10), () -> relay.parentId() != null);
    }

    /** A viewer on relay-1, so that the broadcast flows down the edge. */
    private void watch() throws Exception {
        viewerLoop = Transports.newGroup(1, "viewers");
        endpoint = QuicClientEndpoint.bind(viewerLoop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
        ClientSession s = ClientSession.connect(endpoint, relay.quicAddress(), ClientSession.Options.viewer("viewer"),
                new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
        RecordingSubscriber r = new RecordingSubscriber();
        s.subscribe(new TrackName("live", "video"), StartPosition.LATEST, 1, r);
        Await.until("subscription accepted", Duration.ofSeconds(10), r::subscribed, r::error);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.httpAddress().getPort()
                + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode map() {
        try {
            return JSON.readTree(get("/api/tree/map").body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A raw feed connection: the request written, the reader positioned at the response. */
    private BufferedReader openFeed() throws Exception {
        Socket s = new Socket("127.0.0.1", ingest.httpAddress().getPort());
        s.setSoTimeout(10_000);
        sockets.add(s);
        OutputStream out = s.getOutputStream();
        out.write(("GET " + TreeMapFeed.EVENTS_PATH + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    @Test
    void thePageAndItsScriptAreServedFromTheIngestWithNothingFromElsewhere() throws Exception {
        startTree();
        HttpResponse<String> page = get("/tree");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<svg id=\"tree\"", "src=\"/tree/treemap.js\"")
                .doesNotContain("src=\"http", "href=\"http", "url(http", "@import");
        HttpResponse<String> script = get("/tree/treemap.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("new EventSource('/api/tree/events')").doesNotContain("import ");
    }

    @Test
    void theSnapshotShowsTheRelayUnderTheRootWithTheThroughputItReported() throws Exception {
        startTree();
        watch();
        // Reports come every second; two of them give a rate.
        Await.until("relay-1's throughput on the map", Duration.ofSeconds(10), () -> {
            JsonNode map = map();
            // The viewer's subscription starts at the next group, so relay-1 may send a report later than it receives.
            return map.path("edges").size() == 1 && map.path("edges").get(0).path("bytesPerSecond").asLong() > 0
                    && map.path("nodes").get(1).path("outBytesPerSecond").asLong() > 0;
        }, this::map);
        JsonNode map = JSON.readTree(get("/api/tree/map").body());
        assertThat(map.path("root").asText()).isEqualTo("ingest");
        assertThat(map.path("relays").asInt()).isEqualTo(1);
        JsonNode edge = map.path("edges").get(0);
        assertThat(edge.path("from").asText()).isEqualTo("ingest");
        assertThat(edge.path("to").asText()).isEqualTo("relay-1");
        // The edge's rate is what relay-1 itself counts as received: measure that here too, over about the same
        // window (the map's spans 3-4 s of reports that arrive once a second), and expect the two to agree. (Not the
        // source's nominal 250 000 bytes/s: a loaded machine may deliver less, and the map must show what is real.)
        List<long[]> readings = new ArrayList<>();
        long[] seen = new long[2];
        Await.until("the edge's rate to match relay-1's own counter", Duration.ofSeconds(20), () -> {
            long now = System.nanoTime();
            readings.add(new long[] {now, relay.metrics().bytesReceived()});
            readings.removeIf(r -> now - r[0] > TimeUnit.MILLISECONDS.toNanos(4500));
            long[] first = readings.get(0);
            long[] last = readings.get(readings.size() - 1);
            if (last[0] - first[0] < TimeUnit.SECONDS.toNanos(3)) {
                return false;
            }
            seen[0] = (long) ((last[1] - first[1]) * 1e9 / (last[0] - first[0]));
            seen[1] = map().path("edges").path(0).path("bytesPerSecond").asLong();
            return seen[0] > 0 && Math.abs(seen[1] - seen[0]) <= 0.2 * seen[0];
        }, () -> "relay-1 counted " + seen[0] + " bytes/s, the map shows " + seen[1]);
        System.out.printf("relay-1 counted %d bytes/s, the map shows %d (the source sends 250 000)%n", seen[0],
                seen[1]);
        JsonNode node = map.path("nodes").get(1);
        assertThat(node.path("id").asText()).isEqualTo("relay-1");
        assertThat(node.path("parent").asText()).isEqualTo("ingest");
        assertThat(node.path("health").asText()).isEqualTo("ok");
        assertThat(node.path("region").asText()).isEqualTo("eu");
        assertThat(node.path("capacity").asInt()).isEqualTo(2);
        assertThat(node.path("viewers").asInt()).isEqualTo(1);
        assertThat(node.path("outBytesPerSecond").asLong()).as("what relay-1 sends its viewer").isPositive();
        assertThat(map.path("nodes").get(0).path("outBytesPerSecond").asLong())
                .isEqualTo(edge.path("bytesPerSecond").asLong());
        assertThat(map.path("events").get(0).path("text").asText()).isEqualTo("relay-1 joined under ingest");
    }

    @Test
    void theFeedStreamsSnapshotsAndRefusesConnectionsOverItsBound() throws Exception {
        startTree();
        BufferedReader feed = openFeed();
        assertThat(feed.readLine()).isEqualTo("HTTP/1.1 200 OK");
        List<String> headers = new ArrayList<>();
        for (String line = feed.readLine(); !line.isEmpty(); line = feed.readLine()) {
            headers.add(line.toLowerCase());
        }
        assertThat(headers).contains("content-type: text/event-stream; charset=utf-8", "transfer-encoding: chunked");
        long previous = -1;
        int messages = 0;
        boolean sawRelay = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (messages < 3 && System.nanoTime() < deadline) {
            String line = feed.readLine();
            int at = line.indexOf("data: ");
            if (at >= 0) {
                JsonNode snapshot = JSON.readTree(line.substring(at + "data: ".length()));
                assertThat(snapshot.path("version").asLong()).isGreaterThan(previous);
                previous = snapshot.path("version").asLong();
                // The first message may predate the controller's first tick after the join.
                sawRelay |= snapshot.path("nodes").findValuesAsText("id").contains("relay-1");
                messages += sawRelay ? 1 : 0;
            }
        }
        assertThat(messages).as("snapshots with relay-1 streamed within 10 s").isEqualTo(3);

        for (int i = 1; i < TreeMapFeed.DEFAULT_MAX_CLIENTS; i++) {
            BufferedReader other = openFeed();
            assertThat(other.readLine()).isEqualTo("HTTP/1.1 200 OK");
        }
        Await.until("every feed counted", Duration.ofSeconds(5),
                () -> ingest.treeMapFeed().clients() == TreeMapFeed.DEFAULT_MAX_CLIENTS);
        BufferedReader refused = openFeed();
        assertThat(refused.readLine()).isEqualTo("HTTP/1.1 503 Service Unavailable");
        assertThat(ingest.registry().counter("treecast.ingest.treemap.refused").count()).isEqualTo(1);
        assertThat(get("/api/tree/map").statusCode()).as("the snapshot still answers").isEqualTo(200);

        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
        Await.until("closed feeds released", Duration.ofSeconds(5), () -> ingest.treeMapFeed().clients() == 0);
        assertThat(ingest.registry().get("treecast.ingest.treemap.clients").gauge().value()).isZero();
    }
}
