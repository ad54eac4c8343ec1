package dev.treecast.tree;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The controller's map of the tree with the indexes placement needs, kept consistent on every change.
 *
 * <p>A node's parent link is only resolved when the parent is known and ranks below it; otherwise the node waits
 * under the parent's id (a report may name a parent the map has not heard of yet). Resolved links therefore follow
 * the rank order, so the map is acyclic whatever the order and staleness of reports. Depth is -1 for nodes not
 * connected to the root through resolved links.
 *
 * <p>Indexes: per region, the nodes with a free slot ordered by (depth, load ÷ slots, rank); all non-root attached
 * nodes ordered by (depth, slots) for displacement and depth rebalancing; the set of overloaded nodes. Every change
 * to a field an index reads goes through {@link #unindex}/{@link #index}.
 */
final class RelayMap {
    /** How many entries a bounded index scan looks at before giving up. */
    static final int SCAN = 64;

    static final class Node {
        final String id;
        final boolean root;
        RelayInfo info;
        String region = "";
        int slots;
        long rank;
        String parentId;
        Node parent;
        final LinkedHashSet<Node> children = new LinkedHashSet<>();
        int depth = -1;
        int viewers;
        long lastSeen;
        boolean draining;
        boolean removed;
        /** Pending controller move: target and the parent it leaves. */
        String moveTarget;
        Node moveFrom;
        long moveIssued;
        /** Not lifted before this (nanos): it changed parent recently and is catching up from the new one. */
        long settledAt = Long.MIN_VALUE;
        int incoming;
        int outgoing;
        List<Backup> sentBackups;
        long sentAt;
        boolean inFree;
        boolean inSlots;
        boolean inRefresh;

        Node(String id, boolean root) {
            this.id = id;
            this.root = root;
        }

        /** Children the map plans for: known children, plus moves in, minus moves out. */
        int load() {
            return children.size() + incoming - outgoing;
        }

        int free() {
            return slots - load();
        }

        String address() {
            return info == null ? null : info.address();
        }

        Backup asBackup() {
            return new Backup(id, address(), rank);
        }

        @Override
        public String toString() {
            return id + "(rank " + rank + ", depth " + depth + ", " + load() + "/" + slots + ")";
        }
    }

    private static final Comparator<Node> BY_DEPTH_RANK = Comparator.<Node>comparingInt(n -> n.depth)
            .thenComparingLong(n -> n.rank).thenComparing(n -> n.id);
    /** Free slots: shallowest first, then the least loaded for its capacity (children spread by capacity). */
    private static final Comparator<Node> BY_DEPTH_LOAD = Comparator.<Node>comparingInt(n -> n.depth)
            .thenComparing(RelayMap::compareLoadRatio).thenComparingLong(n -> n.rank).thenComparing(n -> n.id);
    private static final Comparator<Node> BY_DEPTH_SLOTS = Comparator.<Node>comparingInt(n -> n.depth)
            .thenComparingInt(n -> n.slots).thenComparingLong(n -> n.rank).thenComparing(n -> n.id);

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Set<Node>> waiting = new LinkedHashMap<>();
    private final TreeMap<String, TreeSet<Node>> free = new TreeMap<>();
    private final TreeSet<Node> bySlots = new TreeSet<>(BY_DEPTH_SLOTS);
    private final Set<Node> overloaded = new LinkedHashSet<>();
    private final Node root;

    RelayMap(String rootId, String rootAddress, int rootSlots) {
        root = new Node(rootId, true);
        root.info = new RelayInfo(rootId, rootAddress, null, rootSlots, null, null);
        root.slots = rootSlots;
        root.rank = Ranks.ROOT;
        root.depth = 0;
        nodes.put(rootId, root);
        index(root);
    }

    Node root() {
        return root;
    }

    Node get(String id) {
        return id == null ? null : nodes.get(id);
    }

    /** All nodes, the root first. */
    Iterable<Node> nodes() {
        return nodes.values();
    }

    int size() {
        return nodes.size();
    }

    Set<Node> overloaded() {
        return overloaded;
    }

    /** The deepest depth of any attached non-root node, 0 if none. */
    int maxDepth() {
        return bySlots.isEmpty() ? 0 : bySlots.last().depth;
    }

    Node add(RelayInfo info, long rank, String parentId) {
        Node n = new Node(info.id(), false);
        n.info = info;
        n.region = regionOf(info);
        n.slots = info.slots();
        n.rank = rank;
        nodes.put(n.id, n);
        setParent(n, parentId);
        adoptWaiting(n);
        return n;
    }

    void remove(Node n) {
        if (n.root) {
            throw new IllegalArgumentException("the root is never removed");
        }
        unindex(n);
        n.removed = true;
        unlinkFromParent(n);
        for (Node c : new ArrayList<>(n.children)) {
            n.children.remove(c);
            c.parent = null;
            waiting.computeIfAbsent(n.id, k -> new LinkedHashSet<>()).add(c);
            redepth(c);
        }
        nodes.remove(n.id);
    }

    /** Points {@code n} at {@code parentId} (null: none); the link resolves if the parent is known and ranks below. */
    void setParent(Node n, String parentId) {
        unlinkFromParent(n);
        n.parentId = parentId;
        if (parentId != null) {
            Node p = nodes.get(parentId);
            if (p != null && p.rank < n.rank) {
                unindex(p);
                p.children.add(n);
                n.parent = p;
                index(p);
            } else {
                waiting.computeIfAbsent(parentId, k -> new LinkedHashSet<>()).add(n);
            }
        }
        redepth(n);
    }

    void setInfo(Node n, RelayInfo info) {
        unindex(n);
        n.info = info;
        n.region = regionOf(info);
        n.slots = info.slots();
        index(n);
    }

    /** A new rank: links that no longer follow the rank order are undone (they wait), newly valid ones resolve. */
    void setRank(Node n, long rank) {
        if (rank == n.rank) {
            return;
        }
        unindex(n);
        n.rank = rank;
        index(n);
        setParent(n, n.parentId);
        for (Node c : new ArrayList<>(n.children)) {
            if (c.rank <= rank) {
                setParent(c, c.parentId);
            }
        }
        adoptWaiting(n);
    }

    void setDraining(Node n, boolean draining) {
        unindex(n);
        n.draining = draining;
        index(n);
    }

    void addIncoming(Node n, int delta) {
        unindex(n);
        n.incoming += delta;
        index(n);
    }

    void addOutgoing(Node n, int delta) {
        unindex(n);
        n.outgoing += delta;
        index(n);
    }

    /** Whether {@code ancestor} is on the map's parent chain of {@code n} (or is {@code n}). */
    static boolean isUnder(Node n, Node ancestor) {
        for (Node x = n; x != null; x = x.parent) {
            if (x == ancestor) {
                return true;
            }
        }
        return false;
    }

    /**
     * The best parent with a free slot: rank below {@code rankLimit}, depth at most {@code maxDepth}, not excluded;
     * shallowest first, then same region as {@code region}, then the least loaded for its capacity. Null if none.
     */
    Node bestParent(long rankLimit, String region, int maxDepth, Predicate<Node> exclude) {
        Node best = null;
        for (TreeSet<Node> set : free.values()) {
            Node c = firstEligible(set, rankLimit, maxDepth, exclude);
            if (c != null && (best == null || better(c, best, region))) {
                best = c;
            }
        }
        return best;
    }

    /** load(a)/slots(a) against load(b)/slots(b), exactly (slots are positive for free nodes; probes have 0). */
    private static int compareLoadRatio(Node a, Node b) {
        return Long.compare((long) a.load() * Math.max(1, b.slots), (long) b.load() * Math.max(1, a.slots));
    }

    private static boolean better(Node a, Node b, String region) {
        if (a.depth != b.depth) {
            return a.depth < b.depth;
        }
        boolean sameA = a.region.equals(region);
        boolean sameB = b.region.equals(region);
        if (sameA != sameB) {
            return sameA;
        }
        return BY_DEPTH_LOAD.compare(a, b) < 0;
    }

    private static Node firstEligible(TreeSet<Node> set, long rankLimit, int maxDepth, Predicate<Node> exclude) {
        int scanned = 0;
        Node n = set.isEmpty() ? null : set.first();
        while (n != null && n.depth <= maxDepth) {
            if (n.rank < rankLimit && !exclude.test(n)) {
                return n;
            }
            if (++scanned >= SCAN) {
                // Give this depth up (bounded work), try the next one.
                scanned = 0;
                n = set.ceiling(probe(n.depth + 1, Integer.MIN_VALUE));
                continue;
            }
            n = set.higher(n);
        }
        return null;
    }

    /**
     * A relay a joiner with {@code slots} may displace: the shallowest attached node above {@code belowDepth} with
     * fewer slots (the fewest first), not moving, with a rank gap to its parent. Null if none.
     */
    Node displaceable(int slots, int belowDepth, Predicate<Node> exclude) {
        for (int depth = 1; depth < belowDepth; depth++) {
            Node y = bySlots.ceiling(probe(depth, Integer.MIN_VALUE));
            int scanned = 0;
            while (y != null && y.depth == depth && y.slots < slots && scanned++ < SCAN) {
                if (y.parent != null && !y.parent.draining && y.moveTarget == null
                        && Ranks.hasBetween(y.parent.rank, y.rank) && !exclude.test(y)) {
                    return y;
                }
                y = bySlots.higher(y);
            }
        }
        return null;
    }

    /**
     * The node worth moving up under {@code q} (which has a free slot): depth at least q's + 2, rank above q's, not
     * moving; the most slots first, then the deepest. Null if none.
     */
    Node liftable(Node q, Predicate<Node> exclude) {
        Node best = null;
        int deepest = maxDepth();
        for (int depth = q.depth + 2; depth <= deepest; depth++) {
            Node n = bySlots.lower(probe(depth + 1, Integer.MIN_VALUE));
            int scanned = 0;
            while (n != null && n.depth == depth && scanned++ < SCAN) {
                if (n.rank > q.rank && n.moveTarget == null && n.parent != null && !exclude.test(n)) {
                    if (best == null || n.slots >= best.slots) {
                        best = n;
                    }
                    break;
                }
                n = bySlots.lower(n);
            }
        }
        return best;
    }

    /**
     * Nodes with a free slot in preference order (shallowest first; at each depth the same region as
     * {@code region} first, each region least loaded first), depth at most {@code maxDepth}, accepted by
     * {@code accept}, at most {@code limit}. Bounded work per depth and region.
     */
    List<Node> freeNodes(String region, int maxDepth, int limit, Predicate<Node> accept) {
        List<Node> out = new ArrayList<>();
        int deepest = Math.min(maxDepth, maxDepth());
        TreeSet<Node> own = free.get(region);
        for (int depth = 0; depth <= deepest && out.size() < limit; depth++) {
            if (own != null) {
                collect(own, depth, limit, accept, out);
            }
            for (Map.Entry<String, TreeSet<Node>> e : free.entrySet()) {
                if (out.size() >= limit) {
                    break;
                }
                if (!e.getKey().equals(region)) {
                    collect(e.getValue(), depth, limit, accept, out);
                }
            }
        }
        return out;
    }

    private static void collect(TreeSet<Node> set, int depth, int limit, Predicate<Node> accept, List<Node> out) {
        int scanned = 0;
        for (Node n : set.subSet(probe(depth, Integer.MIN_VALUE), true, probe(depth + 1, Integer.MIN_VALUE), false)) {
            if (out.size() >= limit || ++scanned > 4 * SCAN) {
                return;
            }
            if (accept.test(n)) {
                out.add(n);
            }
        }
    }

    /** Nodes with a free slot, shallowest first, at most {@code limit} per region. */
    List<Node> shallowFree(int limit) {
        List<Node> out = new ArrayList<>();
        for (TreeSet<Node> set : free.values()) {
            int taken = 0;
            for (Node n : set) {
                if (taken++ >= limit) {
                    break;
                }
                out.add(n);
            }
        }
        out.sort(BY_DEPTH_RANK);
        return out;
    }

    private static Node probe(int depth, int slots) {
        Node p = new Node("", false);
        p.depth = depth;
        p.slots = slots;
        p.rank = Long.MIN_VALUE;
        return p;
    }

    private void unlinkFromParent(Node n) {
        if (n.parent != null) {
            Node p = n.parent;
            unindex(p);
            p.children.remove(n);
            index(p);
            n.parent = null;
        } else if (n.parentId != null) {
            Set<Node> w = waiting.get(n.parentId);
            if (w != null) {
                w.remove(n);
                if (w.isEmpty()) {
                    waiting.remove(n.parentId);
                }
            }
        }
    }

    private void adoptWaiting(Node n) {
        Set<Node> w = waiting.get(n.id);
        if (w == null) {
            return;
        }
        for (Node c : new ArrayList<>(w)) {
            if (n.rank < c.rank) {
                w.remove(c);
                unindex(n);
                n.children.add(c);
                c.parent = n;
                index(n);
                redepth(c);
            }
        }
        if (w.isEmpty()) {
            waiting.remove(n.id);
        }
    }

    /** Recomputes the depth of {@code n} and of its subtree where it changed. */
    private void redepth(Node n) {
        Deque<Node> stack = new ArrayDeque<>();
        stack.push(n);
        while (!stack.isEmpty()) {
            Node x = stack.pop();
            int d = x.root ? 0 : x.parent == null || x.parent.depth < 0 ? -1 : x.parent.depth + 1;
            if (d == x.depth) {
                continue;
            }
            unindex(x);
            x.depth = d;
            index(x);
            for (Node c : x.children) {
                stack.push(c);
            }
        }
    }

    void unindex(Node n) {
        if (n.inFree) {
            free.get(n.region).remove(n);
            n.inFree = false;
        }
        if (n.inSlots) {
            bySlots.remove(n);
            n.inSlots = false;
        }
        overloaded.remove(n);
    }

    void index(Node n) {
        if (n.removed || n.depth < 0) {
            return;
        }
        if (!n.draining && n.load() < n.slots) {
            free.computeIfAbsent(n.region, k -> new TreeSet<>(BY_DEPTH_LOAD)).add(n);
            n.inFree = true;
        }
        if (!n.root && !n.draining) {
            bySlots.add(n);
            n.inSlots = true;
        }
        if (n.load() > n.slots) {
            overloaded.add(n);
        }
    }

    static String regionOf(RelayInfo info) {
        return info.region() == null ? "" : info.region();
    }
}
