package dev.treecast.ingest.tree;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.ingest.director.Director;
import dev.treecast.ingest.treemap.TreeMapModel;
import dev.treecast.ingest.treemap.TreeMapSnapshot;
import dev.treecast.protocol.control.Backups;
import dev.treecast.protocol.control.Candidate;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.GoAway;
import dev.treecast.protocol.control.Join;
import dev.treecast.protocol.control.Move;
import dev.treecast.protocol.control.Placement;
import dev.treecast.protocol.control.RelayDescription;
import dev.treecast.protocol.control.Repaired;
import dev.treecast.protocol.control.Report;
import dev.treecast.relay.core.ControlPlane;
import dev.treecast.relay.core.DownstreamSession;
import dev.treecast.tree.Backup;
import dev.treecast.tree.ControllerCommand;
import dev.treecast.tree.RelayInfo;
import dev.treecast.tree.TreeController;
import dev.treecast.tree.TreeNode;

/**
 * Runs the pure {@link TreeController} at the root, on the root relay's event loop: turns JOIN / REPORT /
 * REPAIRED / GOAWAY from relays' controller sessions into controller events, and the controller's commands into
 * PLACEMENT / MOVE / BACKUPS on those sessions. Edges (relays with a WebTransport URL) are registered with the
 * director from their reports. A thin adapter: every decision is the controller's.
 */
public final class TreeControllerHost implements ControlPlane {
    private static final Logger LOG = LoggerFactory.getLogger(TreeControllerHost.class);

    private final TreeController controller;
    private final Director director;
    private final int viewerCapacity;
    private final byte[] broadcastKey;
    private final LongSupplier nanoClock;
    private final Map<String, DownstreamSession> sessions = new HashMap<>();
    private final Map<DownstreamSession, String> ids = new HashMap<>();
    /** Viewers per relay from its last report, read by the director on the HTTP thread. */
    private final Map<String, Integer> viewers = new ConcurrentHashMap<>();
    private volatile List<TreeNode> view = List.of();
    /** The tree map's state (throughputs, recent events, ghosts), owned by this host's thread. */
    private final TreeMapModel treeMap;
    private volatile TreeMapSnapshot treeMapSnapshot;

    /**
     * @param broadcastKey the ingest's raw Ed25519 public key, sent in every PLACEMENT so that relays can verify
     *                     objects (empty: the ingest does not sign)
     */
    public TreeControllerHost(TreeController controller, Director director, int viewerCapacity, byte[] broadcastKey,
                              LongSupplier nanoClock) {
        this.controller = controller;
        this.director = director;
        this.viewerCapacity = viewerCapacity;
        this.broadcastKey = broadcastKey.clone();
        this.nanoClock = nanoClock;
        String rootId = controller.view().get(0).id();
        this.treeMap = new TreeMapModel(rootId, java.time.Duration.ofSeconds(10), 32);
        this.treeMapSnapshot = TreeMapSnapshot.empty(rootId);
    }

    @Override
    public void onControl(DownstreamSession session, ControlMessage message) {
        long now = nanoClock.getAsLong();
        switch (message) {
            case Join join -> {
                RelayInfo info = info(join.relay(), session);
                bind(info.id(), session);
                dev.treecast.tree.Placement placement = controller.join(info, now);
                LOG.info("tree: {} joined under {} (rank {}, {} slots, region '{}')", info.id(), placement.parentId(),
                        placement.rank(), info.slots(), info.region());
                session.link().send(new Placement(placement.parentId(), placement.parentAddress(), placement.rank(),
                        candidates(placement.backups()), broadcastKey));
                treeMap.joined(info.id(), placement.parentId(), now);
                route(controller.drainJoinCommands());
                edge(info);
            }
            case Report report -> {
                RelayInfo info = info(report.relay(), session);
                bind(info.id(), session);
                controller.report(new dev.treecast.tree.Report(info, report.rank(),
                        report.parentId().isEmpty() ? null : report.parentId(), (int) report.viewers()), now);
                viewers.put(info.id(), (int) report.viewers());
                treeMap.traffic(info.id(), report.bytesReceived(), report.bytesForwarded(), now);
                edge(info);
            }
            case Repaired repaired -> {
                String id = ids.get(session);
                if (id != null) {
                    LOG.info("tree: {} repaired itself: {} -> {} in {} ms", id, repaired.oldParentId(),
                            repaired.newParentId(), repaired.tookMicros() / 1000);
                    if (!repaired.oldParentId().isEmpty()) {
                        controller.lost(repaired.oldParentId(), now);
                        forget(repaired.oldParentId());
                    }
                    controller.reparented(id, repaired.newParentId(), now);
                    treeMap.repaired(id, repaired.oldParentId(), repaired.newParentId(), repaired.tookMicros(), now);
                    refreshView();
                    treeMapSnapshot = treeMap.snapshot(view, now);
                }
            }
            case GoAway goAway -> {
                String id = ids.get(session);
                if (id != null) {
                    LOG.info("tree: {} drains", id);
                    treeMap.draining(id, now);
                    route(controller.drain(id, now));
                    forget(id);
                }
            }
            default -> throw new IllegalStateException("not a controller message: " + message.type());
        }
        refreshView();
    }

    @Override
    public void onClosed(DownstreamSession session) {
        String id = ids.remove(session);
        if (id != null && sessions.get(id) == session) {
            sessions.remove(id);
            // The relay may still be alive (only its controller session dropped): the controller forgets it when
            // its reports stop, not now.
        }
    }

    /** Periodic duty on the root's loop: the controller's failure detection and rebalancing. */
    public void tick() {
        long now = nanoClock.getAsLong();
        route(controller.tick(now));
        for (TreeNode node : view) {
            if (controller.node(node.id()) == null) {
                forget(node.id());
            }
        }
        refreshView();
        treeMapSnapshot = treeMap.snapshot(view, now);
    }

    /** The tree map as of the last tick or repair (safe from any thread). */
    public TreeMapSnapshot treeMap() {
        return treeMapSnapshot;
    }

    /** The tree as last seen (safe from any thread). */
    public List<TreeNode> view() {
        return view;
    }

    private void refreshView() {
        view = List.copyOf(controller.view());
    }

    private void bind(String id, DownstreamSession session) {
        DownstreamSession previous = sessions.put(id, session);
        if (previous != null && previous != session) {
            ids.remove(previous);
        }
        ids.put(session, id);
    }

    private void forget(String id) {
        director.unregister(id);
        viewers.remove(id);
    }

    private void edge(RelayInfo info) {
        if (info.webTransport() != null && !info.webTransport().isEmpty()) {
            director.register(new Director.Edge(info.id(), info.webTransport(), info.certificateSha256(),
                    info.region(), () -> viewers.getOrDefault(info.id(), 0), viewerCapacity));
        }
    }

    private void route(List<ControllerCommand> commands) {
        for (ControllerCommand command : commands) {
            switch (command) {
                case ControllerCommand.Move move -> {
                    DownstreamSession s = sessions.get(move.node());
                    if (s != null && !s.isClosed()) {
                        LOG.info("tree: moving {} under {}", move.node(), move.parentId());
                        treeMap.moving(move.node(), move.parentId(), nanoClock.getAsLong());
                        s.link().send(new Move(move.parentId(), move.parentAddress()));
                    }
                }
                case ControllerCommand.SendBackups backups -> {
                    DownstreamSession s = sessions.get(backups.node());
                    if (s != null && !s.isClosed()) {
                        s.link().send(new Backups(candidates(backups.backups())));
                    }
                }
            }
        }
    }

    /**
     * What a relay declared, with its address completed: a relay that does not know the address others reach it
     * at declares only {@code :port}, and the controller uses the address its session comes from.
     */
    private static RelayInfo info(RelayDescription d, DownstreamSession session) {
        String address = d.address();
        if (address.startsWith(":")) {
            InetSocketAddress seen = session.link().remoteAddress();
            String host = seen == null ? "127.0.0.1" : seen.getAddress().getHostAddress();
            address = (host.contains(":") ? "[" + host + "]" : host) + address;
        }
        return new RelayInfo(d.nodeId(), address, d.region(), (int) Math.min(Integer.MAX_VALUE, d.slots()),
                d.webTransport(), d.certificateSha256());
    }

    private static List<Candidate> candidates(List<Backup> backups) {
        List<Candidate> list = new ArrayList<>(Math.min(backups.size(), Candidate.MAX_LIST));
        for (Backup b : backups) {
            if (list.size() == Candidate.MAX_LIST) {
                break;
            }
            list.add(new Candidate(b.id(), b.address(), b.rank()));
        }
        return list;
    }

    /** The tree as JSON for {@code GET /api/tree}. */
    public static Map<String, Object> json(List<TreeNode> nodes) {
        List<Map<String, Object>> list = new ArrayList<>();
        int maxDepth = 0;
        for (TreeNode n : nodes) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("id", n.id());
            node.put("parent", n.parentId());
            node.put("depth", n.depth());
            node.put("rank", n.rank());
            node.put("capacity", n.info() == null ? null : n.info().slots());
            node.put("children", n.children());
            node.put("load", n.viewers());
            node.put("region", n.info() == null ? "" : n.info().region());
            node.put("address", n.info() == null ? null : n.info().address());
            list.add(node);
            maxDepth = Math.max(maxDepth, n.depth());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("relays", Math.max(0, nodes.size() - 1));
        json.put("depth", maxDepth);
        json.put("nodes", list);
        return json;
    }
}
