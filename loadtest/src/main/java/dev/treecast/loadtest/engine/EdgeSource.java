package dev.treecast.loadtest.engine;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.loadtest.model.ViewerTransport;

/**
 * Where viewers go: WebTransport viewers ask the director, as the player page does; QUIC viewers are spread over a
 * list of relay addresses (the in-process cluster's current leaves, or the fleet's). A viewer that reconnects
 * names the edges it wants to avoid (the one that just failed).
 */
public final class EdgeSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI director;
    private final Supplier<List<InetSocketAddress>> relays;
    private final HttpClient http;
    private final AtomicLong next = new AtomicLong();

    /**
     * @param director the ingest's HTTP base ({@code http://host:port}), or null
     * @param relays   the relays QUIC viewers may use (asked again at every choice)
     * @param executor runs the HTTP client's callbacks (a small pool; viewers hop back to their own loop)
     */
    public EdgeSource(URI director, Supplier<List<InetSocketAddress>> relays, Executor executor) {
        this.director = director;
        this.relays = relays;
        this.http = HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /** An edge for a viewer of {@code broadcast} over {@code transport}, avoiding the nodes in {@code avoid}. */
    public CompletableFuture<Edge> choose(ViewerTransport transport, String broadcast, Set<String> avoid) {
        return switch (transport) {
            case QUIC -> CompletableFuture.completedFuture(chooseRelay(avoid));
            case WEBTRANSPORT -> askDirector(broadcast, avoid);
        };
    }

    private Edge chooseRelay(Set<String> avoid) {
        List<InetSocketAddress> all = relays.get();
        if (all.isEmpty()) {
            throw new IllegalStateException("no relay to connect to (give relay addresses for QUIC viewers)");
        }
        List<Edge> usable = new ArrayList<>();
        for (InetSocketAddress a : all) {
            Edge e = Edge.quic(a);
            if (!avoid.contains(e.node())) {
                usable.add(e);
            }
        }
        List<Edge> from = usable.isEmpty() ? all.stream().map(Edge::quic).toList() : usable;
        return from.get((int) Math.floorMod(next.getAndIncrement(), (long) from.size()));
    }

    private CompletableFuture<Edge> askDirector(String broadcast, Set<String> avoid) {
        if (director == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "WebTransport viewers need a director (the ingest's HTTP address)"));
        }
        URI uri = director.resolve("/api/director?broadcast=" + URLEncoder.encode(broadcast, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("director " + uri + " answered " + response.statusCode() + ": "
                        + response.body().strip());
            }
            return pick(response.body(), avoid);
        });
    }

    /** The director's chosen edge, or the first alternate not avoided; the chosen one if all are avoided. */
    static Edge pick(String body, Set<String> avoid) {
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException("director answered malformed JSON: " + e.getMessage());
        }
        List<JsonNode> offers = new ArrayList<>();
        if (answer.hasNonNull("edge")) {
            offers.add(answer.get("edge"));
        }
        answer.path("alternates").forEach(offers::add);
        if (offers.isEmpty()) {
            throw new IllegalStateException("director offered no edge");
        }
        JsonNode chosen = offers.stream().filter(o -> !avoid.contains(o.path("node").asText())).findFirst()
                .orElse(offers.get(0));
        return Edge.webTransport(chosen.path("node").asText(), URI.create(chosen.path("url").asText()));
    }
}
