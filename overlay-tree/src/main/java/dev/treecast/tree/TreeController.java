package dev.treecast.tree;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.treecast.tree.RelayMap.Node;

/**
 * The tree controller at the root: places joining relays, keeps a soft-state map of the tree from the relays'
 * reports, hands out ranked backup lists, and rebalances with make-before-break moves.
 *
 * <p>Pure and not thread-safe: the owner calls it from one thread with the current time; it never reads a clock.
 *
 * <p><b>Placement</b> ({@link #join}): the shallowest free slot, same-region parent preferred at equal depth, then
 * the parent least loaded for its capacity (children spread over parents in proportion to their slots). A joiner
 * with more slots than a relay sitting above that depth takes its place instead (the smaller relay moves under the
 * joiner, {@link #drainJoinCommands}) and gets a rank between the displaced relay's parent and the displaced relay.
 * A fresh rank is {@code Ranks.forDepth(band, serial)} with band = max(depth, the parent's band + 1), so it is
 * always above the parent's. A re-joining known relay keeps its rank, which keeps any subtree it still feeds valid;
 * it can then only go under lower ranks (the root always qualifies).
 *
 * <p><b>Loop freedom</b>: the map only links a node under a lower-ranked parent, the controller only moves a node
 * under a lower-ranked parent, and never lists a backup whose rank is not below the node's.
 *
 * <p><b>Backups</b> of a node, best first: its grandparent, uncles (siblings of its parent) with free slots, its
 * region first, other shallower nodes with free slots, then nodes with free slots at any depth outside its parent's
 * subtree, the root last. So that the children of one parent do not all land on the same relay when it dies, the
 * children share that ranked pool by its room: each starts its list at the entry its position among its siblings
 * falls in (the grandparent for as many children as it has room for) and continues down the pool. A grandparent
 * without room is left out (overloading a relay's uplink hurts all its children; one more hop costs a few ms).
 *
 * <p><b>Soft state</b>: relays that stop reporting for {@code reportTimeout} are forgotten; a new controller rebuilds
 * the map from reports alone. For {@code reportTimeout} after its first event a controller does not rebalance (its
 * map may still be incomplete), see {@link #TreeController(Config, Duration)}.
 */
public final class TreeController {
    /**
     * @param rootId          the root's (ingest's) id
     * @param rootAddress     where relays reach the root
     * @param rootSlots       child relays the root feeds (it may exceed them in an emergency)
     * @param reportTimeout   a relay not heard from for this long is forgotten; also the pending-move timeout
     * @param maxBackups      backups per list, the root (always last) included
     * @param maxMovesPerTick rebalancing moves per {@link #tick}
     */
    public record Config(String rootId, String rootAddress, int rootSlots, Duration reportTimeout, int maxBackups,
            int maxMovesPerTick) {
        /** Validates. */
        public Config {
            Objects.requireNonNull(rootId, "rootId");
            Objects.requireNonNull(reportTimeout, "reportTimeout");
            if (rootSlots < 1) {
                throw new IllegalArgumentException("rootSlots " + rootSlots + " < 1");
            }
            if (reportTimeout.isNegative() || reportTimeout.isZero()) {
                throw new IllegalArgumentException("reportTimeout must be positive: " + reportTimeout);
            }
            if (maxBackups < 1) {
                throw new IllegalArgumentException("maxBackups " + maxBackups + " < 1");
            }
            if (maxMovesPerTick < 0) {
                throw new IllegalArgumentException("maxMovesPerTick " + maxMovesPerTick + " < 0");
            }
        }
    }

    /** Counters since construction (for logs, metrics and the simulation). */
    public record Stats(long joins, long displacements, long moves, long backupLists, long forgotten,
            int overloaded) {
    }

    private static final long NOT_SEEN = Long.MIN_VALUE;

    /**
     * A relay that just repaired itself or moved is not lifted into a free slot for this long: it is catching up from
     * its new parent's cache, and a move would start that over on yet another new connection. In the multi-host test
     * the controller lifted relay3 into the slot its dead parent left 120 ms after the repair, and the catch-up on the
     * second fresh connection delivered objects up to 1.8 s late. Overflow relief is not delayed.
     */
    public static final Duration SETTLE_AFTER_REPARENT = Duration.ofSeconds(3);

    private final Config config;
    private final long reportTimeout;
    private final long warmUp;
    private final RelayMap map;
    private final Node root;
    private final List<ControllerCommand> joinCommands = new ArrayList<>();
    private final LinkedHashMap<String, Node> bySeen = new LinkedHashMap<>();
    private final Map<String, Long> tombstones = new HashMap<>();
    private final ArrayDeque<Node> refreshQueue = new ArrayDeque<>();
    private final Set<Node> dirty = new LinkedHashSet<>();
    /** Backup pools per parent, computed at most once between two ticks (room figures may lag a tick). */
    private final Map<Node, Pool> pools = new IdentityHashMap<>();
    private long serial = 1;
    private long firstSeen = NOT_SEEN;
    private long joins;
    private long displacements;
    private long moves;
    private long backupLists;
    private long forgotten;

    /** A controller that starts rebalancing {@code reportTimeout} after its first event. */
    public TreeController(Config config) {
        this(config, config.reportTimeout());
    }

    /**
     * @param warmUp how long after its first event the controller waits before rebalancing, so that a restarted
     *               controller first hears every relay's report; zero for a controller that starts with the tree
     */
    public TreeController(Config config, Duration warmUp) {
        this.config = Objects.requireNonNull(config, "config");
        this.reportTimeout = config.reportTimeout().toNanos();
        this.warmUp = warmUp.toNanos();
        this.map = new RelayMap(config.rootId(), config.rootAddress(), config.rootSlots());
        this.root = map.root();
    }

    /**
     * Places a new relay (or re-places a known id, e.g. after a restart: a fresh join that keeps the rank the
     * controller knows). May also produce commands, e.g. when the joiner displaces a smaller relay: see
     * {@link #drainJoinCommands()}.
     */
    public Placement join(RelayInfo info, long nowNanos) {
        return join(info, Ranks.UNKNOWN, nowNanos);
    }

    /**
     * Like {@link #join(RelayInfo, long)} for a relay that already holds {@code currentRank} (it re-joins after
     * losing every candidate and may still feed children): it keeps that rank, so its subtree stays valid, and is
     * placed under a lower-ranked parent. {@link Ranks#UNKNOWN} (or any rank ≤ 0): no rank held.
     */
    public Placement join(RelayInfo info, long currentRank, long nowNanos) {
        observe(nowNanos);
        joinCommands.clear();
        if (info.id().equals(config.rootId())) {
            throw new IllegalArgumentException("the root " + info.id() + " cannot join its own tree");
        }
        joins++;
        tombstones.remove(info.id());
        Node n = map.get(info.id());
        long keep = currentRank > 0 ? currentRank : n != null ? n.rank : Ranks.UNKNOWN;
        String region = RelayMap.regionOf(info);
        if (n != null) {
            clearPending(n);
            map.setParent(n, null);
            map.setInfo(n, info);
            if (n.draining) {
                map.setDraining(n, false);
            }
        }
        Node self = n;
        Node parent;
        long rank;
        Node displaced = null;
        if (keep > 0) {
            parent = map.bestParent(keep, region, Integer.MAX_VALUE, x -> x == self);
            if (parent == null) {
                parent = root;
            }
            rank = keep;
        } else {
            Node normal = map.bestParent(Long.MAX_VALUE, region, Integer.MAX_VALUE, x -> x == self);
            int normalDepth = normal == null ? 1 : normal.depth + 1;
            if (info.slots() > 0) {
                displaced = map.displaceable(info.slots(), normalDepth, x -> x == self);
            }
            if (displaced != null) {
                parent = displaced.parent;
                rank = Ranks.between(parent.rank, displaced.rank);
            } else {
                parent = normal != null ? normal : root;
                rank = freshRank(parent);
            }
        }
        if (n == null) {
            n = map.add(info, rank, parent.id);
        } else {
            map.setRank(n, rank);
            map.setParent(n, parent.id);
        }
        touch(n, nowNanos);
        enqueueRefresh(n);
        markChildrenDirty(n);
        if (displaced != null) {
            displacements++;
            issueMove(displaced, n, nowNanos, joinCommands);
        }
        List<Backup> backups = backupsFor(n, pools);
        n.sentBackups = backups;
        n.sentAt = nowNanos;
        return new Placement(parent.id, parent.address(), rank, backups);
    }

    /** Commands produced by the last join (e.g. Move of a displaced relay under the joiner), then cleared. */
    public List<ControllerCommand> drainJoinCommands() {
        List<ControllerCommand> out = List.copyOf(joinCommands);
        joinCommands.clear();
        return out;
    }

    /**
     * A relay's periodic report: learns or refreshes it, its rank and its parent (the relay's word wins over the
     * map). Ignored for the root and for a relay that drained a short while ago.
     */
    public void report(Report report, long nowNanos) {
        observe(nowNanos);
        RelayInfo info = report.info();
        if (info.id().equals(config.rootId()) || tombstoned(info.id(), nowNanos)) {
            return;
        }
        Node n = map.get(info.id());
        if (n == null) {
            n = map.add(info, report.rank(), report.parentId());
            bumpSerial(report.rank());
            enqueueRefresh(n);
            dirty.add(n);
            markChildrenDirty(n);
        } else {
            if (!info.equals(n.info)) {
                map.setInfo(n, info);
            }
            if (report.rank() != n.rank && report.rank() > 0) {
                map.setRank(n, report.rank());
                bumpSerial(report.rank());
            }
            if (!Objects.equals(report.parentId(), n.parentId)) {
                changeParent(n, report.parentId());
            }
        }
        n.viewers = report.viewers();
        touch(n, nowNanos);
    }

    /**
     * A relay's child reports it dead (it repaired away from it): forget it now rather than when its reports stop,
     * so that no move and no backup list points at a dead relay for a whole report timeout, and refresh every list
     * that named it. A false alarm costs little: the relay's next report brings it back.
     */
    public void lost(String node, long nowNanos) {
        observe(nowNanos);
        Node n = map.get(node);
        if (n == null || n.root) {
            return;
        }
        for (Node other : map.nodes()) {
            if (other.sentBackups != null) {
                for (Backup b : other.sentBackups) {
                    if (b.id().equals(node)) {
                        dirty.add(other);
                        break;
                    }
                }
            }
        }
        forget(n);
    }

    /** A relay repaired itself (attached to a backup) or was moved: update the map. */
    public void reparented(String node, String newParentId, long nowNanos) {
        observe(nowNanos);
        Node n = map.get(node);
        if (n == null || n.root) {
            return;
        }
        if (!Objects.equals(newParentId, n.parentId)) {
            changeParent(n, newParentId);
            n.settledAt = nowNanos + SETTLE_AFTER_REPARENT.toNanos();
        } else if (n.moveTarget != null && n.moveTarget.equals(newParentId)) {
            clearPending(n);
        }
        touch(n, nowNanos);
    }

    /**
     * Periodic duty: forget relays whose reports stopped for reportTimeout; rebalance (overflow first, then depth:
     * nodes with the most slots move up into free slots), at most maxMovesPerTick moves; refresh backup lists that
     * changed.
     */
    public List<ControllerCommand> tick(long nowNanos) {
        observe(nowNanos);
        List<ControllerCommand> out = new ArrayList<>();
        pools.clear();
        expire(nowNanos);
        if (nowNanos - firstSeen >= warmUp) {
            int[] budget = {config.maxMovesPerTick()};
            relieveOverflow(nowNanos, out, budget);
            liftIntoFreeSlots(nowNanos, out, budget);
        }
        pools.clear();
        refreshBackups(nowNanos, out);
        return out;
    }

    /**
     * A relay drains (GOAWAY): Moves for its children to other parents (outside its subtree, the root if nothing
     * else has room); it is then forgotten, and its reports are ignored for reportTimeout.
     */
    public List<ControllerCommand> drain(String node, long nowNanos) {
        observe(nowNanos);
        Node n = map.get(node);
        if (n == null || n.root) {
            return List.of();
        }
        map.setDraining(n, true);
        List<ControllerCommand> out = new ArrayList<>();
        List<Node> children = new ArrayList<>(n.children);
        List<Node> targets = new ArrayList<>(children.size());
        for (Node c : children) {
            // Targets first, while the whole subtree still hangs under n: none of it is a target.
            clearPending(c);
            Node target = map.bestParent(c.rank, c.region, Integer.MAX_VALUE, x -> RelayMap.isUnder(x, n));
            target = target == null ? root : target;
            targets.add(target);
            map.addIncoming(target, 1);
        }
        for (int i = 0; i < children.size(); i++) {
            Node c = children.get(i);
            Node target = targets.get(i);
            map.addIncoming(target, -1);
            out.add(new ControllerCommand.Move(c.id, target.id, target.address()));
            moves++;
            changeParent(c, target.id);
        }
        forget(n);
        pools.clear();
        tombstones.put(node, nowNanos + reportTimeout);
        return out;
    }

    /** The map, root first then breadth-first by rank; nodes not connected to the root in the map last. */
    public List<TreeNode> view() {
        List<TreeNode> out = new ArrayList<>(map.size());
        ArrayDeque<Node> queue = new ArrayDeque<>();
        queue.add(root);
        Set<Node> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            seen.add(n);
            out.add(treeNode(n));
            n.children.stream().sorted(Comparator.comparingLong((Node x) -> x.rank)).forEach(queue::add);
        }
        List<Node> rest = new ArrayList<>();
        for (Node n : map.nodes()) {
            if (!seen.contains(n)) {
                rest.add(n);
            }
        }
        rest.sort(Comparator.comparing(x -> x.id));
        for (Node n : rest) {
            out.add(treeNode(n));
        }
        return out;
    }

    /** One node of the map, or null if unknown. */
    public TreeNode node(String id) {
        Node n = map.get(id);
        return n == null ? null : treeNode(n);
    }

    /** The backup list the controller would give {@code id} now (empty if unknown). */
    public List<Backup> backupsOf(String id) {
        Node n = map.get(id);
        return n == null || n.root ? List.of() : backupsFor(n, new IdentityHashMap<>());
    }

    /** Relays in the map, excluding the root. */
    public int size() {
        return map.size() - 1;
    }

    /** Counters since construction. */
    public Stats stats() {
        return new Stats(joins, displacements, moves, backupLists, forgotten, map.overloaded().size());
    }

    // ---- map maintenance

    private void observe(long nowNanos) {
        if (firstSeen == NOT_SEEN) {
            firstSeen = nowNanos;
        }
    }

    private void touch(Node n, long nowNanos) {
        n.lastSeen = nowNanos;
        bySeen.remove(n.id);
        bySeen.put(n.id, n);
    }

    private boolean tombstoned(String id, long nowNanos) {
        Long until = tombstones.get(id);
        if (until == null) {
            return false;
        }
        if (nowNanos < until) {
            return true;
        }
        tombstones.remove(id);
        return false;
    }

    private long freshRank(Node parent) {
        int band = Math.max(parent.depth + 1, Ranks.band(parent.rank) + 1);
        if (serial >= Ranks.MAX_SERIAL) {
            serial = 1; // ranks need not be unique for safety; 2^39 joins later, reuse serials
        }
        return Ranks.forDepth(band, serial++);
    }

    private void bumpSerial(long rank) {
        long s = rank % Ranks.BAND;
        if (s < Ranks.MAX_SERIAL && s >= serial) {
            serial = s + 1;
        }
    }

    private void changeParent(Node n, String parentId) {
        clearPending(n);
        map.setParent(n, parentId);
        dirty.add(n);
        markChildrenDirty(n);
    }

    private void markChildrenDirty(Node n) {
        dirty.addAll(n.children);
    }

    private void forget(Node n) {
        clearPending(n);
        bySeen.remove(n.id);
        dirty.remove(n);
        for (Node c : n.children) {
            dirty.add(c);
        }
        map.remove(n);
        forgotten++;
    }

    private void expire(long nowNanos) {
        Iterator<Node> it = bySeen.values().iterator();
        List<Node> stale = new ArrayList<>();
        while (it.hasNext()) {
            Node n = it.next();
            if (nowNanos - n.lastSeen < reportTimeout) {
                break;
            }
            stale.add(n);
        }
        for (Node n : stale) {
            forget(n);
        }
        tombstones.values().removeIf(until -> until <= nowNanos);
        for (Node n : map.nodes()) {
            if (n.moveTarget != null && nowNanos - n.moveIssued >= reportTimeout) {
                clearPending(n);
            }
        }
    }

    // ---- moves

    private void issueMove(Node n, Node target, long nowNanos, List<ControllerCommand> out) {
        clearPending(n);
        n.moveTarget = target.id;
        n.moveIssued = nowNanos;
        map.addIncoming(target, 1);
        if (n.parent != null) {
            n.moveFrom = n.parent;
            map.addOutgoing(n.parent, 1);
        }
        out.add(new ControllerCommand.Move(n.id, target.id, target.address()));
        moves++;
    }

    private void clearPending(Node n) {
        if (n.moveTarget == null) {
            return;
        }
        Node target = map.get(n.moveTarget);
        if (target != null && !target.removed) {
            map.addIncoming(target, -1);
        }
        if (n.moveFrom != null && !n.moveFrom.removed) {
            map.addOutgoing(n.moveFrom, -1);
        }
        n.moveTarget = null;
        n.moveFrom = null;
    }

    /** Overloaded nodes, shallowest first: move their smallest children to the best parent with room. */
    private void relieveOverflow(long nowNanos, List<ControllerCommand> out, int[] budget) {
        if (map.overloaded().isEmpty() || budget[0] <= 0) {
            return;
        }
        List<Node> over = new ArrayList<>(map.overloaded());
        over.sort(Comparator.<Node>comparingInt(n -> n.depth).thenComparingLong(n -> n.rank));
        for (Node o : over) {
            List<Node> kids = new ArrayList<>();
            for (Node c : o.children) {
                if (c.moveTarget == null) {
                    kids.add(c);
                }
            }
            kids.sort(Comparator.<Node>comparingInt(c -> c.slots).thenComparing(c -> -c.rank));
            for (Node c : kids) {
                if (budget[0] <= 0 || o.load() <= o.slots) {
                    break;
                }
                Node target = map.bestParent(c.rank, c.region, Integer.MAX_VALUE, x -> x == o || x == c);
                if (target != null) {
                    issueMove(c, target, nowNanos, out);
                    budget[0]--;
                }
            }
            if (budget[0] <= 0) {
                return;
            }
        }
    }

    /** Free slots, shallowest first: lift the node with the most slots from at least two levels below. */
    private void liftIntoFreeSlots(long nowNanos, List<ControllerCommand> out, int[] budget) {
        if (budget[0] <= 0) {
            return;
        }
        for (Node q : map.shallowFree(Math.max(8, budget[0]))) {
            while (budget[0] > 0 && q.free() > 0 && !q.removed) {
                Node n = map.liftable(q, x -> nowNanos < x.settledAt);
                if (n == null) {
                    break;
                }
                issueMove(n, q, nowNanos, out);
                budget[0]--;
            }
            if (budget[0] <= 0) {
                return;
            }
        }
    }

    // ---- backups

    private void enqueueRefresh(Node n) {
        if (!n.inRefresh) {
            n.inRefresh = true;
            refreshQueue.add(n);
        }
    }

    /**
     * Dirty nodes (their parent or grandparent changed): send a list that differs from the last one sent. Then a
     * slice of all nodes round-robin, sending a changed list only if the last was sent reportTimeout ago or more:
     * room changes with every join, and lists need not follow every change.
     */
    private void refreshBackups(long nowNanos, List<ControllerCommand> out) {
        int budget = Math.max(256, map.size() / 10);
        Iterator<Node> it = dirty.iterator();
        int dirtyBudget = 4 * budget;
        while (it.hasNext() && dirtyBudget-- > 0) {
            Node n = it.next();
            it.remove();
            refresh(n, nowNanos, 0, out);
        }
        for (int i = 0; i < budget && !refreshQueue.isEmpty(); i++) {
            Node n = refreshQueue.poll();
            if (n.removed) {
                n.inRefresh = false;
                continue;
            }
            refreshQueue.add(n);
            refresh(n, nowNanos, reportTimeout, out);
        }
    }

    private void refresh(Node n, long nowNanos, long minInterval, List<ControllerCommand> out) {
        if (n.removed || n.root || (n.sentBackups != null && nowNanos - n.sentAt < minInterval)) {
            return;
        }
        List<Backup> list = backupsFor(n, pools);
        if (!list.equals(n.sentBackups)) {
            n.sentBackups = list;
            n.sentAt = nowNanos;
            out.add(new ControllerCommand.SendBackups(n.id, list));
            backupLists++;
        }
    }

    /**
     * Where the children of one parent go if it dies: relays with room, best first, each with the room it offers.
     * The grandparent (its free slots plus the parent's own), then uncles with room (the parent's region first),
     * then shallower relays with room, then relays with room at any depth outside the parent's subtree, until the
     * room covers every child and there are enough entries for a full list. Never the root (it is always last).
     */
    private final class Pool {
        final List<Node> nodes = new ArrayList<>();
        final List<Long> cumulative = new ArrayList<>();
        private final Node parent;
        private Map<Node, Integer> index;
        private long total;

        Pool(Node p) {
            parent = p;
            int need = Math.max(1, p.children.size());
            long maxRank = Long.MIN_VALUE;
            for (Node c : p.children) {
                maxRank = Math.max(maxRank, c.rank);
            }
            long rankLimit = p.children.isEmpty() ? Long.MAX_VALUE : maxRank;
            int entries = config.maxBackups() + 1;
            Node g = p.parent;
            if (g != null && !g.root && !g.draining) {
                add(g, Math.max(0, g.free()) + 1);
            }
            if (g != null) {
                // Uncles with room, the parent's region first, in the grandparent's child order; bounded.
                List<Node> others = new ArrayList<>();
                int wanted = 4 * entries;
                for (Node u : g.children) {
                    if (u != p && u.depth >= 0 && !u.draining && u.free() > 0 && u.rank < rankLimit) {
                        if (u.region.equals(p.region)) {
                            add(u, u.free());
                            if (nodes.size() >= wanted && total >= need) {
                                break;
                            }
                        } else if (others.size() < wanted) {
                            others.add(u);
                        }
                    }
                }
                for (Node u : others) {
                    if (nodes.size() >= wanted && total >= need) {
                        break;
                    }
                    add(u, u.free());
                }
            }
            Set<Node> taken = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            taken.addAll(nodes);
            if (total < need || nodes.size() < entries) {
                int shallower = p.depth >= 0 ? p.depth : Integer.MAX_VALUE;
                for (Node q : map.freeNodes(p.region, shallower, 4 * entries,
                        x -> !x.root && x != p && x.rank < rankLimit && !taken.contains(x))) {
                    add(q, q.free());
                    taken.add(q);
                }
            }
            if (total < need || nodes.size() < entries) {
                int limit = Math.min(256, Math.max(entries, need / 8));
                for (Node q : map.freeNodes(p.region, Integer.MAX_VALUE, limit,
                        x -> !x.root && x.rank < rankLimit && !taken.contains(x) && !RelayMap.isUnder(x, p))) {
                    add(q, q.free());
                    taken.add(q);
                    if (total >= need && nodes.size() >= entries) {
                        break;
                    }
                }
            }
        }

        private void add(Node q, long room) {
            total += Math.max(1, room);
            nodes.add(q);
            cumulative.add(total);
        }

        /** A child's position among its siblings (stable for earlier children as later ones join). */
        int position(Node child) {
            if (index == null) {
                index = new IdentityHashMap<>();
                int i = 0;
                for (Node c : parent.children) {
                    index.put(c, i++);
                }
            }
            // A child that joined after the index was built was appended last.
            return index.computeIfAbsent(child, c -> Math.max(0, parent.children.size() - 1));
        }

        /** The entry whose share of the room holds position {@code k}. */
        int at(long k) {
            long target = total == 0 ? 0 : k % total;
            int lo = 0;
            int hi = cumulative.size() - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative.get(mid) > target) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }
    }

    private List<Backup> backupsFor(Node n, Map<Node, Pool> cache) {
        int limit = config.maxBackups() - 1;
        List<Backup> out = new ArrayList<>(config.maxBackups());
        Node p = n.parent;
        if (p != null && !p.root && limit > 0) {
            Pool pool = cache.computeIfAbsent(p, Pool::new);
            if (!pool.nodes.isEmpty()) {
                int size = pool.nodes.size();
                int first = pool.at(pool.position(n));
                for (int step = 0; step < size && out.size() < limit; step++) {
                    Node q = pool.nodes.get((first + step) % size);
                    if (q != n && q.rank < n.rank) {
                        out.add(q.asBackup());
                    }
                }
            }
        } else if (p == null && limit > 0) {
            // Not connected in the map: any relay with room that ranks below.
            for (Node q : map.freeNodes(n.region, Integer.MAX_VALUE, limit,
                    x -> !x.root && x != n && x.rank < n.rank)) {
                out.add(q.asBackup());
            }
        }
        out.add(root.asBackup());
        return List.copyOf(out);
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    private TreeNode treeNode(Node n) {
        return new TreeNode(n.id, n.parentId, n.depth, n.rank, n.info, n.children.size(), n.viewers);
    }
}
