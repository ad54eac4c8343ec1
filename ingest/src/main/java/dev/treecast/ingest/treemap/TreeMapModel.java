package dev.treecast.ingest.treemap;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.treecast.ingest.treemap.TreeMapSnapshot.Edge;
import dev.treecast.ingest.treemap.TreeMapSnapshot.Event;
import dev.treecast.ingest.treemap.TreeMapSnapshot.Health;
import dev.treecast.ingest.treemap.TreeMapSnapshot.Node;
import dev.treecast.tree.TreeNode;

/**
 * What the tree map shows beyond the controller's map: throughputs derived from the relays' byte counters, the
 * recent repairs, moves, joins and losses, and for a few seconds the ghosts of relays that died or drained (the
 * controller forgets those at once). Turns the controller's view into a {@link TreeMapSnapshot}.
 *
 * <p>Pure and not thread-safe: the controller's owner thread drives it with the current time; it reads no clock.
 */
public final class TreeMapModel {
    /** Two counter readings closer than this give no rate (a report sent early, e.g. right after a move). */
    static final long MIN_RATE_INTERVAL_NANOS = Duration.ofMillis(500).toNanos();
    /**
     * A rate spans the readings of about this long: reports arrive about once a second, with jitter (the times are
     * the controller's, at arrival), and a subscription starts with a burst from the parent's cache; a few seconds
     * smooth both out.
     */
    static final long RATE_WINDOW_NANOS = Duration.ofSeconds(3).toNanos();
    private static final int MAX_READINGS = 8;

    private final String rootId;
    private final long ghostNanos;
    private final int maxEvents;
    private final Map<String, Traffic> traffic = new HashMap<>();
    /** Nodes of the previous snapshot, to notice the ones the controller forgot. */
    private Map<String, Node> last = new LinkedHashMap<>();
    private final Map<String, Ghost> ghosts = new LinkedHashMap<>();
    /** Relays that sent GOAWAY and have not been forgotten yet: they become draining ghosts, not dead ones. */
    private final Map<String, Long> drained = new HashMap<>();
    /** Relays reported dead by a child: who reported it. */
    private final Map<String, String> reportedDead = new HashMap<>();
    private final Map<String, PendingMove> moves = new HashMap<>();
    private final ArrayDeque<Recorded> events = new ArrayDeque<>();
    private long version;
    private long seq;

    private record Reading(long at, long received, long forwarded) {
    }

    private static final class Traffic {
        /** Oldest first; the newest is the last reading. */
        final ArrayDeque<Reading> readings = new ArrayDeque<>(MAX_READINGS);
        long inRate;
        long outRate;
        boolean sampled;
    }

    private record Ghost(Node node, long since) {
    }

    private record PendingMove(String from, String to, long issued) {
    }

    private record Recorded(long seq, String kind, String node, String from, String to, long tookMs, long at,
            String text) {
    }

    /**
     * @param ghostFor  how long a dead or drained relay stays on the map after the controller forgot it
     * @param maxEvents how many recent events a snapshot carries
     */
    public TreeMapModel(String rootId, Duration ghostFor, int maxEvents) {
        this.rootId = Objects.requireNonNull(rootId, "rootId");
        this.ghostNanos = ghostFor.toNanos();
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents " + maxEvents + " < 1");
        }
        this.maxEvents = maxEvents;
    }

    /**
     * A relay's byte counters from its report. A rate is the difference between this reading and the oldest one of
     * the last {@link #RATE_WINDOW_NANOS}, over the time between them; a reading less than
     * {@link #MIN_RATE_INTERVAL_NANOS} after the previous one is ignored. A counter that went down (the relay
     * restarted under the same id) starts over.
     */
    public void traffic(String node, long bytesReceived, long bytesForwarded, long nowNanos) {
        Traffic t = traffic.computeIfAbsent(node, k -> new Traffic());
        Reading newest = t.readings.peekLast();
        if (newest != null && (bytesReceived < newest.received() || bytesForwarded < newest.forwarded())) {
            t.readings.clear();
            t.inRate = 0;
            t.outRate = 0;
        } else if (newest != null && nowNanos - newest.at() < MIN_RATE_INTERVAL_NANOS) {
            return;
        }
        t.readings.addLast(new Reading(nowNanos, bytesReceived, bytesForwarded));
        // Keep the newest reading at least a window old (the rate's base), and at most MAX_READINGS.
        while (t.readings.size() > MAX_READINGS) {
            t.readings.removeFirst();
        }
        while (t.readings.size() > 2) {
            Reading second = secondOf(t.readings);
            if (nowNanos - second.at() < RATE_WINDOW_NANOS) {
                break;
            }
            t.readings.removeFirst();
        }
        if (t.readings.size() >= 2) {
            Reading base = t.readings.peekFirst();
            long dt = nowNanos - base.at();
            t.inRate = perSecond(bytesReceived - base.received(), dt);
            t.outRate = perSecond(bytesForwarded - base.forwarded(), dt);
            t.sampled = true;
        }
    }

    private static Reading secondOf(ArrayDeque<Reading> readings) {
        Iterator<Reading> it = readings.iterator();
        it.next();
        return it.next();
    }

    private static long perSecond(long bytes, long nanos) {
        return (long) (bytes * 1e9 / nanos);
    }

    /** A relay joined (or re-joined) under {@code parent}. */
    public void joined(String node, String parent, long nowNanos) {
        ghosts.remove(node);
        drained.remove(node);
        reportedDead.remove(node);
        record("join", node, null, parent, -1, nowNanos, node + " joined under " + parent);
    }

    /** A relay repaired itself: it lost {@code oldParent} (empty: none) and receives from {@code newParent}. */
    public void repaired(String node, String oldParent, String newParent, long tookMicros, long nowNanos) {
        String from = oldParent == null || oldParent.isEmpty() ? null : oldParent;
        if (from != null && !from.equals(rootId)) {
            reportedDead.putIfAbsent(from, node);
        }
        moves.remove(node);
        long ms = Math.round(tookMicros / 1000.0);
        record("repair", node, from, newParent, ms, nowNanos, node + " reparented from "
                + (from == null ? "no parent" : from) + " to " + newParent + " in " + ms + " ms");
    }

    /** The controller told {@code node} to move under {@code to}; the move completes when it reports that parent. */
    public void moving(String node, String to, long nowNanos) {
        Node n = last.get(node);
        moves.put(node, new PendingMove(n == null ? null : n.parent(), to, nowNanos));
    }

    /** A relay drains (GOAWAY): the controller moves its children and forgets it. */
    public void draining(String node, long nowNanos) {
        drained.put(node, nowNanos);
        record("drain", node, null, null, -1, nowNanos, node + " drains: its children move to other parents");
    }

    /** The controller's view now (root first, as {@code TreeController.view()}) as a snapshot. */
    public TreeMapSnapshot snapshot(List<TreeNode> view, long nowNanos) {
        Map<String, Node> now = new LinkedHashMap<>();
        Map<String, Long> childIn = new HashMap<>();
        for (TreeNode n : view) {
            if (n.parentId() != null && !n.id().equals(rootId)) {
                childIn.merge(n.parentId(), inRate(n.id()), Long::sum);
            }
        }
        int depth = 0;
        for (TreeNode n : view) {
            boolean isRoot = n.id().equals(rootId);
            String parent = isRoot ? null : n.depth() < 0 ? null : n.parentId();
            Health health = isRoot || parent != null ? Health.OK : Health.REPAIRING;
            long in = isRoot ? 0 : inRate(n.id());
            long out = isRoot ? childIn.getOrDefault(n.id(), 0L) : outRate(n.id());
            now.put(n.id(), new Node(n.id(), parent, n.depth(), region(n), n.info() == null ? 0 : n.info().slots(),
                    n.children(), n.viewers(), in, out, health));
            depth = Math.max(depth, n.depth());
            ghosts.remove(n.id());
        }
        // Relays the controller forgot since the last snapshot become ghosts, and an event.
        for (Node gone : last.values()) {
            if (now.containsKey(gone.id())) {
                continue;
            }
            Long drainedAt = drained.remove(gone.id());
            String by = reportedDead.remove(gone.id());
            Health health = drainedAt != null ? Health.DRAINING : Health.DEAD;
            ghosts.put(gone.id(), new Ghost(new Node(gone.id(), gone.parent(), gone.level(), gone.region(),
                    gone.capacity(), 0, 0, 0, 0, health), nowNanos));
            traffic.remove(gone.id());
            moves.remove(gone.id());
            if (drainedAt == null) {
                record("dead", gone.id(), gone.parent(), null, -1, nowNanos, gone.id() + (by != null
                        ? " is dead (reported by " + by + ")" : " stopped reporting and was forgotten"));
            }
        }
        completeMoves(now, nowNanos);
        for (Iterator<Ghost> it = ghosts.values().iterator(); it.hasNext(); ) {
            if (nowNanos - it.next().since() >= ghostNanos) {
                it.remove();
            }
        }
        drained.values().removeIf(at -> nowNanos - at >= ghostNanos);
        reportedDead.keySet().removeIf(id -> !now.containsKey(id));
        traffic.keySet().removeIf(id -> !now.containsKey(id));
        last = now;

        List<Node> nodes = new ArrayList<>(now.size() + ghosts.size());
        List<Edge> edges = new ArrayList<>(now.size());
        for (Node n : now.values()) {
            nodes.add(n);
            if (n.parent() != null) {
                edges.add(new Edge(n.parent(), n.id(), n.inBytesPerSecond()));
            }
        }
        for (Ghost g : ghosts.values()) {
            nodes.add(g.node());
        }
        List<Event> recent = new ArrayList<>(events.size());
        for (Recorded e : events) {
            recent.add(new Event(e.seq(), e.kind(), e.node(), e.from(), e.to(), e.tookMs(),
                    Math.max(0, (nowNanos - e.at()) / 1_000_000), e.text()));
        }
        return new TreeMapSnapshot(++version, rootId, Math.max(0, now.size() - 1), depth, nodes, edges, recent);
    }

    private void completeMoves(Map<String, Node> now, long nowNanos) {
        for (Iterator<Map.Entry<String, PendingMove>> it = moves.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, PendingMove> e = it.next();
            PendingMove m = e.getValue();
            Node n = now.get(e.getKey());
            if (n != null && m.to().equals(n.parent())) {
                it.remove();
                // No duration: for a drain the controller's map shows the new parent before the relay has moved.
                record("move", e.getKey(), m.from(), m.to(), -1, nowNanos, e.getKey() + " moved by the controller from "
                        + (m.from() == null ? "no parent" : m.from()) + " to " + m.to());
            } else if (n == null || nowNanos - m.issued() >= ghostNanos) {
                it.remove();
            }
        }
    }

    private void record(String kind, String node, String from, String to, long tookMs, long nowNanos, String text) {
        events.addLast(new Recorded(++seq, kind, node, from, to, tookMs, nowNanos, text));
        while (events.size() > maxEvents) {
            events.removeFirst();
        }
    }

    private long inRate(String id) {
        Traffic t = traffic.get(id);
        return t == null || !t.sampled ? 0 : t.inRate;
    }

    private long outRate(String id) {
        Traffic t = traffic.get(id);
        return t == null || !t.sampled ? 0 : t.outRate;
    }

    private static String region(TreeNode n) {
        return n.info() == null || n.info().region() == null ? "" : n.info().region();
    }
}
