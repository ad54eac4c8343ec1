package dev.treecast.ingest.treemap;

import java.util.List;

/**
 * The tree as the tree map draws it, at one moment: the JSON of {@code GET /api/tree/map} and of every
 * {@code GET /api/tree/events} message. Immutable; built by {@link TreeMapModel} on the controller's thread and read
 * from any thread.
 *
 * @param version   increases with every snapshot (a client skips one it has drawn)
 * @param root      the root's (ingest's) id
 * @param relays    relays in the controller's map (ghosts of dead or drained relays not counted)
 * @param depth     the deepest level of the map
 * @param nodes     the root first, then breadth-first; ghosts last
 * @param edges     one per node with a parent in the map: parent to child
 * @param events    the latest repairs, moves, joins and losses, oldest first (at most a fixed number)
 */
public record TreeMapSnapshot(long version, String root, int relays, int depth, List<Node> nodes, List<Edge> edges,
        List<Event> events) {
    /** Copies the lists. */
    public TreeMapSnapshot {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
        events = List.copyOf(events);
    }

    /** Empty: only the root, before the controller has built a snapshot. */
    public static TreeMapSnapshot empty(String root) {
        return new TreeMapSnapshot(0, root, 0, 0,
                List.of(new Node(root, null, 0, "", 0, 0, 0, 0, 0, Health.OK)), List.of(), List.of());
    }

    /** How a node is doing, as the map colours it. */
    public enum Health {
        /** Attached to a parent that is in the map, reporting. */
        OK,
        /** In the map without a parent that is (it lost its parent and has not reported its new one yet). */
        REPAIRING,
        /** Drained (GOAWAY): its children were moved away; shown for a few seconds after it left. */
        DRAINING,
        /** Reported dead by a child, or its reports stopped; shown for a few seconds after it was forgotten. */
        DEAD;

        /** The lower-case name used in JSON. */
        @com.fasterxml.jackson.annotation.JsonValue
        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One relay (or the root).
     *
     * @param parent                  null for the root and for a node without a parent in the map
     * @param level                   depth: root 0, -1 while not connected to the root in the map
     * @param capacity                child relays it may feed (its slots)
     * @param children                child relays it feeds now (in the map)
     * @param viewers                 viewers it serves itself
     * @param inBytesPerSecond        object bytes received from its parent (the root: 0)
     * @param outBytesPerSecond       object bytes sent to child relays and viewers (the root: what its children
     *                                receive); the node's load
     */
    public record Node(String id, String parent, int level, String region, int capacity, int children, int viewers,
            long inBytesPerSecond, long outBytesPerSecond, Health health) {
    }

    /** A parent-to-child link; {@code bytesPerSecond} is what the child receives. */
    public record Edge(String from, String to, long bytesPerSecond) {
    }

    /**
     * Something that changed the tree's shape.
     *
     * @param seq    increases with every event (a client shows each once)
     * @param kind   repair (a relay attached to a backup by itself), move (the controller moved it), join, drain,
     *               dead (forgotten: reported dead or silent)
     * @param from   the old parent (repair, move), else null
     * @param to     the new parent (repair, move, join), else null
     * @param tookMs repair: from noticing the loss to receiving from the new parent (the relay's own figure); else -1
     * @param agoMs  how long before this snapshot it happened
     * @param text   one line for a log, e.g. "relay-2.1 reparented from relay-1.1 to relay-1.2 in 120 ms"
     */
    public record Event(long seq, String kind, String node, String from, String to, long tookMs, long agoMs,
            String text) {
    }
}
