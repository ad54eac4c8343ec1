package dev.treecast.ingest.director;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * Sends each new viewer to a relay: the least loaded edge with a free viewer slot, preferring the viewer's
 * region, plus ranked alternates the player tries if the first does not answer. Viewers only ever learn relay
 * addresses, never each other's.
 *
 * <p>Edges register themselves (in-process today; through the tree's join messages once relays join the
 * controller). Thread-safe.
 */
public final class Director {
    /** How many alternates an answer carries besides the chosen edge. */
    public static final int ALTERNATES = 3;

    /**
     * A relay that serves viewers.
     *
     * @param node              the relay's node id
     * @param webTransport      WebTransport URL prefix, e.g. {@code https://10.0.0.5:4443/watch/}
     * @param certificateSha256 hex SHA-256 of its certificate (for {@code serverCertificateHashes})
     * @param region            where it is (free text; "" when unknown)
     * @param viewers           its current number of viewers
     * @param capacity          how many viewers it may take
     */
    public record Edge(String node, String webTransport, String certificateSha256, String region, IntSupplier viewers,
                       int capacity) {
    }

    /** One edge as offered to a viewer of a broadcast. */
    public record Offer(String node, String url, String certificateSha256, String region, int viewers, int capacity) {
    }

    /** The chosen edge and the alternates, best first. */
    public record Answer(Offer edge, List<Offer> alternates) {
    }

    private final Map<String, Edge> edges = new ConcurrentHashMap<>();

    public void register(Edge edge) {
        edges.put(edge.node(), edge);
    }

    public void unregister(String node) {
        edges.remove(node);
    }

    public int size() {
        return edges.size();
    }

    /**
     * The edge for a new viewer of {@code broadcast}; empty when no edge has a free slot.
     *
     * @param region the viewer's region, or null/empty for any
     */
    public Optional<Answer> choose(String broadcast, String region) {
        record Load(Edge edge, int viewers) {
            double share() {
                return edge.capacity() == 0 ? 1 : (double) viewers / edge.capacity();
            }
        }
        List<Load> free = new ArrayList<>();
        for (Edge edge : edges.values()) {
            int viewers = edge.viewers().getAsInt();
            if (viewers < edge.capacity()) {
                free.add(new Load(edge, viewers));
            }
        }
        boolean anyRegion = region == null || region.isEmpty();
        free.sort(Comparator.<Load>comparingInt(l -> anyRegion || l.edge().region().equals(region) ? 0 : 1)
                .thenComparingDouble(Load::share)
                .thenComparing(l -> l.edge().node()));
        if (free.isEmpty()) {
            return Optional.empty();
        }
        List<Offer> offers = new ArrayList<>();
        for (Load l : free.subList(0, Math.min(free.size(), 1 + ALTERNATES))) {
            Edge e = l.edge();
            offers.add(new Offer(e.node(), e.webTransport() + broadcast, e.certificateSha256(), e.region(),
                    l.viewers(), e.capacity()));
        }
        return Optional.of(new Answer(offers.get(0), List.copyOf(offers.subList(1, offers.size()))));
    }

    /** The JSON the player page reads. */
    public static Map<String, Object> json(String broadcast, Answer answer) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("broadcast", broadcast);
        json.put("edge", answer.edge());
        json.put("alternates", answer.alternates());
        return json;
    }
}
