package dev.treecast.tree.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

import dev.treecast.tree.Backup;
import dev.treecast.tree.ControllerCommand;
import dev.treecast.tree.Placement;
import dev.treecast.tree.Ranks;
import dev.treecast.tree.RelayAgent;
import dev.treecast.tree.RelayAgent.Action;
import dev.treecast.tree.RelayInfo;
import dev.treecast.tree.Report;
import dev.treecast.tree.TreeController;

/**
 * A deterministic discrete-event world in which the real {@link TreeController} and {@link RelayAgent}s run over a
 * simulated clock and network: the shared harness of the property tests and of {@link Simulation}.
 *
 * <p>It plays the adapters' part: it carries JOIN, placements, reports, reparented notices and controller commands
 * between relays and the controller (which lives at the root), opens and closes parent links, answers SETUP on the
 * accepting side with the rank check ({@link Ranks#mayAdopt} with the acceptor's live rank; a relay without a rank
 * refuses), and heartbeats. Every message takes the pair's one-way delay plus a random jitter (so messages reorder);
 * control-plane messages (to and from the controller, heartbeats) may be lost with a given probability; links are
 * reliable. A connection attempt to a dead relay fails after {@code connectTimeout}.
 *
 * <p>Heartbeats: with {@code exactHeartbeats} every agent ticks every {@code heartbeatEvery} and every heartbeat and
 * ack is a message. Without (for large runs), agents are not ticked periodically: a crashed parent is noticed by
 * its children {@code deadAfter + uniform(0, heartbeatEvery)} after the crash (the agent is ticked then, having
 * heard from the parent up to the crash), which is what the heartbeat machinery yields.
 *
 * <p>The root never fails. Relays can crash, exit gracefully (links closed), drain (GOAWAY to their children and a
 * drain to the controller, exit once their children left or after {@code drainTimeout}) and restart under the same
 * id. The controller can be stopped and a new one started (it rebuilds from reports). Not thread-safe.
 */
public final class TreeHarness {
    /** Per-pair one-way delay in nanoseconds. */
    @FunctionalInterface
    public interface LinkDelay {
        long nanos(String a, String regionA, String b, String regionB);
    }

    /** Sees every agent action as it is carried out. */
    @FunctionalInterface
    public interface Listener {
        void onAction(Relay relay, Action action, long nowNanos);
    }

    /**
     * @param connectTimeout  an attempt to a dead relay fails after this long
     * @param exactHeartbeats true: every heartbeat is a message; false: death noticed deadAfter + U(0, heartbeatEvery)
     *                        after a crash (see the class comment)
     * @param joinRetry       a JOIN without answer, or a detached relay, JOINs again after this long
     * @param controlLoss     probability that a control-plane message (controller traffic, heartbeats) is lost
     * @param jitter          maximum extra random delay per message
     * @param controllerWarmUp the first controller's warm-up (restarted ones wait reportTimeout)
     */
    public record Config(String rootId, String rootRegion, int rootSlots, Duration heartbeatEvery, Duration deadAfter,
            Duration attemptTimeout, Duration connectTimeout, boolean exactHeartbeats, Duration reportEvery,
            Duration reportTimeout, Duration controllerTickEvery, int maxBackups, int maxMovesPerTick,
            Duration joinRetry, Duration drainTimeout, double controlLoss, Duration jitter,
            Duration controllerWarmUp, LinkDelay delays) {
        /** Validates. */
        public Config {
            Objects.requireNonNull(delays, "delays");
            if (controlLoss < 0 || controlLoss >= 1) {
                throw new IllegalArgumentException("controlLoss " + controlLoss + " outside [0, 1)");
            }
        }

        /** Same settings, other link delays. */
        public Config withDelays(LinkDelay d) {
            return new Config(rootId, rootRegion, rootSlots, heartbeatEvery, deadAfter, attemptTimeout,
                    connectTimeout, exactHeartbeats, reportEvery, reportTimeout, controllerTickEvery, maxBackups,
                    maxMovesPerTick, joinRetry, drainTimeout, controlLoss, jitter, controllerWarmUp, d);
        }
    }

    /** A parent link as the accepting side holds it. */
    private record Link(long id, Relay child, long childRank) {
    }

    /** A parent link as the child holds it. */
    private record UpLink(Relay parent, long id) {
    }

    /** One relay incarnation (or the root). */
    public static final class Relay {
        private final RelayInfo info;
        private final RelayAgent agent;
        private final boolean root;
        private final Map<String, Link> childLinks = new LinkedHashMap<>();
        private final Map<String, UpLink> upLinks = new LinkedHashMap<>();
        private boolean alive = true;
        private boolean draining;
        private long joinSentAt = -1;
        private long joinAttempt;
        private long drainStarted;
        private int viewers;

        private Relay(RelayInfo info, RelayAgent agent, boolean root) {
            this.info = info;
            this.agent = agent;
            this.root = root;
        }

        public String id() {
            return info.id();
        }

        public RelayInfo info() {
            return info;
        }

        /** The agent (null for the root). */
        public RelayAgent agent() {
            return agent;
        }

        public boolean isRoot() {
            return root;
        }

        public boolean alive() {
            return alive;
        }

        public boolean draining() {
            return draining;
        }

        /** When this incarnation first sent JOIN. */
        public long joinSentAt() {
            return joinSentAt;
        }

        public long rank() {
            return root ? Ranks.ROOT : agent.rank();
        }

        /** Ids of the children whose links this relay holds. */
        public List<String> children() {
            return List.copyOf(childLinks.keySet());
        }

        public int childCount() {
            return childLinks.size();
        }

        /** The viewers it reports (set by the simulation). */
        public void viewers(int count) {
            viewers = count;
        }

        @Override
        public String toString() {
            return root ? "root " + id() : (alive ? "" : "dead ") + agent;
        }
    }

    private final Config config;
    private final RandomGenerator random;
    private final EventQueue events = new EventQueue();
    private final Map<String, Relay> relays = new LinkedHashMap<>();
    private final Relay root;
    private final long hb;
    private final long deadAfter;
    private final long connectTimeout;
    private final long jitter;
    private TreeController controller;
    private int controllerGeneration;
    private long linkIds;
    private Listener listener = (r, a, t) -> { };
    private Runnable afterEvent;
    private long messages;
    private long lostMessages;
    private long rankChanges;
    private long rankRefusals;
    private boolean rootAccepts = true;
    private double loss;
    private double adversary;

    public TreeHarness(Config config, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
        this.hb = config.heartbeatEvery().toNanos();
        this.deadAfter = config.deadAfter().toNanos();
        this.connectTimeout = config.connectTimeout().toNanos();
        this.jitter = config.jitter().toNanos();
        this.loss = config.controlLoss();
        this.root = new Relay(new RelayInfo(config.rootId(), address(config.rootId()), config.rootRegion(),
                config.rootSlots(), null, null), null, true);
        startController(config.controllerWarmUp());
    }

    /** The address a relay id is reachable at, in this world. */
    public static String address(String id) {
        return id + ":4434";
    }

    public void listener(Listener l) {
        listener = Objects.requireNonNull(l);
    }

    /** A check run after every event (e.g. the loop-freedom invariant). */
    public void afterEachEvent(Runnable check) {
        afterEvent = check;
    }

    public long now() {
        return events.now();
    }

    public EventQueue events() {
        return events;
    }

    /** The current controller, or null while it is down. */
    public TreeController controller() {
        return controller;
    }

    public Relay root() {
        return root;
    }

    /** The current incarnation of {@code id} (alive or not), or null. */
    public Relay relay(String id) {
        return relays.get(id);
    }

    /** Current incarnations, in order of first appearance. */
    public Collection<Relay> relays() {
        return relays.values();
    }

    public List<Relay> liveRelays() {
        List<Relay> out = new ArrayList<>();
        for (Relay r : relays.values()) {
            if (r.alive) {
                out.add(r);
            }
        }
        return out;
    }

    /** Messages sent, and lost. */
    public long messages() {
        return messages;
    }

    public long lostMessages() {
        return lostMessages;
    }

    /** SETUPs refused because the candidate did not rank below the child (stale lists at work). */
    public long rankRefusals() {
        return rankRefusals;
    }

    /** Times a relay's rank changed after it had one (the harness JOINs with the held rank: expected 0). */
    public long rankChanges() {
        return rankChanges;
    }

    // ---- driving

    /** Runs events for {@code d} of simulated time. */
    public void runFor(Duration d) {
        runUntil(now() + d.toNanos());
    }

    public void runUntil(long t) {
        while (events.step(t)) {
            if (afterEvent != null) {
                afterEvent.run();
            }
        }
    }

    /** Starts a relay (a new incarnation if the id existed): it JOINs now. */
    public Relay addRelay(RelayInfo info) {
        if (info.id().equals(config.rootId())) {
            throw new IllegalArgumentException("that is the root's id");
        }
        Relay old = relays.get(info.id());
        if (old != null && old.alive) {
            throw new IllegalStateException(info.id() + " is running");
        }
        RelayAgent agent = new RelayAgent(info.id(), config.heartbeatEvery(), config.deadAfter(),
                config.attemptTimeout());
        Relay r = new Relay(info, agent, false);
        relays.put(info.id(), r);
        r.joinSentAt = now();
        sendJoin(r);
        long phase = (long) (random.nextDouble() * config.reportEvery().toNanos());
        events.after(phase, () -> reportLoop(r));
        if (config.exactHeartbeats()) {
            events.after((long) (random.nextDouble() * hb), () -> tickLoop(r));
        }
        return r;
    }

    /** Relays die at once: crash (no goodbye) or graceful exit (their links close, children notice at once). */
    public void kill(Collection<String> ids, boolean graceful) {
        for (String id : ids) {
            Relay r = relays.get(id);
            if (r != null && r.alive) {
                die(r, graceful);
            }
        }
    }

    /** Stops the controller (its state is lost); messages to it are lost until {@link #restartController()}. */
    public void stopController() {
        controller = null;
        controllerGeneration++;
    }

    /** A new, empty controller at the root (waits reportTimeout before rebalancing). */
    public void restartController() {
        stopController();
        startController(config.reportTimeout());
    }

    /** Changes the probability of losing a control-plane message from now on. */
    public void controlLoss(double probability) {
        if (probability < 0 || probability >= 1) {
            throw new IllegalArgumentException("loss " + probability + " outside [0, 1)");
        }
        loss = probability;
    }

    /**
     * An adversary between controller and relays, for tests: with this probability each backup list and placement
     * gets a random relay put first under a false rank of 1 (so agents try it whatever its real rank), and each
     * controller tick adds a Move of a random relay under another random relay. Only the accepting side's rank check
     * stands between these and a loop.
     */
    public void adversary(double probability) {
        adversary = probability;
    }

    /** While false the root refuses new links (an ingest restarting its listener); existing links stay. */
    public void rootAccepts(boolean accepts) {
        rootAccepts = accepts;
    }

    /** {@code id} drains: tells the controller, sends GOAWAY to its children, exits once they left. */
    public void drain(String id) {
        Relay r = relays.get(id);
        if (r == null || !r.alive || r.draining) {
            return;
        }
        r.draining = true;
        r.drainStarted = now();
        toController(r, c -> dispatch(c.drain(r.id(), now())));
        String parent = r.agent.parentId();
        String suggestion = parent == null ? null : address(parent);
        for (Link l : new ArrayList<>(r.childLinks.values())) {
            send(r, l.child, false, () -> {
                if (l.child.alive) {
                    apply(l.child, l.child.agent.goAway(r.id(), suggestion, now()));
                }
            });
        }
        events.after(Duration.ofMillis(50).toNanos(), () -> drainLoop(r));
    }

    // ---- invariants

    /**
     * Null if the tree of live relays is loop-free right now, else what is wrong: every live relay's parent pointer
     * must be a link it holds, to a parent of strictly lower rank; walking parent pointers must end; every link held
     * on an accepting side must go to a child of strictly higher rank.
     */
    public String loopViolation() {
        int bound = relays.size() + 2;
        for (Relay r : relays.values()) {
            String p = r.alive ? r.agent.parentId() : null;
            if (p != null) {
                UpLink up = r.upLinks.get(p);
                if (up == null) {
                    return r + ": parent " + p + " without a link";
                }
                if (!Ranks.mayAdopt(up.parent.rank(), r.rank())) {
                    return r + ": parent " + up.parent + " does not rank below";
                }
            }
        }
        for (Relay r : relays.values()) {
            Relay x = r;
            int steps = 0;
            while (x != null && !x.root && x.alive && x.agent.parentId() != null) {
                x = x.upLinks.get(x.agent.parentId()).parent;
                if (++steps > bound) {
                    return "cycle through " + r;
                }
            }
        }
        for (Relay e : endpoints()) {
            if (!e.alive) {
                continue;
            }
            for (Link l : e.childLinks.values()) {
                if (l.child.alive && (!Ranks.mayAdopt(e.rank(), l.childRank) || !Ranks.mayAdopt(e.rank(),
                        l.child.rank()))) {
                    return e + " holds a link to " + l.child + " that does not rank above";
                }
            }
        }
        return null;
    }

    /**
     * Null if every live relay is attached and connected to the root through live relays that hold its link, else
     * the first one that is not.
     */
    public String notSettled() {
        int bound = relays.size() + 2;
        for (Relay r : relays.values()) {
            if (!r.alive) {
                continue;
            }
            Relay x = r;
            int steps = 0;
            while (!x.root) {
                if (x.agent.state() != RelayAgent.State.ATTACHED) {
                    return r + ": on the way up, " + x + " is not attached";
                }
                UpLink up = x.upLinks.get(x.agent.parentId());
                if (up == null || !up.parent.alive) {
                    return r + ": on the way up, " + x + " has a dead or missing parent";
                }
                Link held = up.parent.childLinks.get(x.id());
                if (held == null || held.id != up.id) {
                    return r + ": on the way up, " + up.parent + " does not hold the link of " + x;
                }
                x = up.parent;
                if (++steps > bound) {
                    return "cycle through " + r;
                }
            }
        }
        return null;
    }

    /** Null if the controller's map gives every live relay the parent its agent has, else the first mismatch. */
    public String controllerMismatch() {
        if (controller == null) {
            return "no controller";
        }
        for (Relay r : relays.values()) {
            if (!r.alive) {
                continue;
            }
            var node = controller.node(r.id());
            if (node == null) {
                return r + " unknown to the controller";
            }
            if (!Objects.equals(node.parentId(), r.agent.parentId()) || node.rank() != r.rank()) {
                return r + " is " + node + " in the controller's map";
            }
        }
        return null;
    }

    private List<Backup> lie(List<Backup> list) {
        Relay liar = randomLive();
        if (liar == null) {
            return list;
        }
        List<Backup> out = new ArrayList<>(list.size() + 1);
        out.add(new Backup(liar.id(), address(liar.id()), 1));
        out.addAll(list);
        return out;
    }

    private Relay randomLive() {
        List<Relay> live = liveRelays();
        return live.isEmpty() ? null : live.get(random.nextInt(live.size()));
    }

    private List<Relay> endpoints() {
        List<Relay> out = new ArrayList<>(relays.size() + 1);
        out.add(root);
        out.addAll(relays.values());
        return out;
    }

    // ---- the controller side

    private void startController(Duration warmUp) {
        controller = new TreeController(new TreeController.Config(config.rootId(), address(config.rootId()),
                config.rootSlots(), config.reportTimeout(), config.maxBackups(), config.maxMovesPerTick()), warmUp);
        int generation = controllerGeneration;
        events.after(config.controllerTickEvery().toNanos(), () -> controllerTick(generation));
    }

    private void controllerTick(int generation) {
        if (generation != controllerGeneration || controller == null) {
            return;
        }
        List<ControllerCommand> commands = new ArrayList<>(controller.tick(now()));
        if (adversary > 0 && random.nextDouble() < adversary) {
            Relay a = randomLive();
            Relay b = randomLive();
            if (a != null && b != null && a != b) {
                commands.add(new ControllerCommand.Move(a.id(), b.id(), address(b.id())));
            }
        }
        dispatch(commands);
        events.after(config.controllerTickEvery().toNanos(), () -> controllerTick(generation));
    }

    private void dispatch(List<ControllerCommand> commands) {
        for (ControllerCommand c : commands) {
            Relay r = relays.get(c.node());
            if (r == null) {
                continue;
            }
            send(root, r, true, () -> {
                if (!r.alive) {
                    return;
                }
                switch (c) {
                    case ControllerCommand.Move m -> apply(r, r.agent.move(m.parentId(), m.parentAddress(), now()));
                    case ControllerCommand.SendBackups b -> apply(r, r.agent.backups(
                            adversary > 0 && random.nextDouble() < adversary ? lie(b.backups()) : b.backups(), now()));
                }
            });
        }
    }

    /** A message from {@code r} to whichever controller runs when it arrives. */
    private void toController(Relay r, java.util.function.Consumer<TreeController> action) {
        send(r, root, true, () -> {
            if (controller != null) {
                action.accept(controller);
            }
        });
    }

    private void sendJoin(Relay r) {
        long attempt = ++r.joinAttempt;
        long rank = r.agent.rank();
        toController(r, c -> {
            Placement p = c.join(r.info, rank, now());
            List<ControllerCommand> extra = c.drainJoinCommands();
            send(root, r, true, () -> {
                if (r.alive && attempt == r.joinAttempt) {
                    long before = r.agent.rank();
                    Placement given = p;
                    if (adversary > 0 && random.nextDouble() < adversary) {
                        given = new Placement(p.parentId(), p.parentAddress(), p.rank(), lie(p.backups()));
                    }
                    apply(r, r.agent.placed(given, now()));
                    if (before != Ranks.UNKNOWN && before != r.agent.rank()) {
                        rankChanges++;
                    }
                }
            });
            dispatch(extra);
        });
        events.after(config.joinRetry().toNanos(), () -> maybeRejoin(r, attempt));
    }

    private void maybeRejoin(Relay r, long attempt) {
        if (!r.alive || attempt != r.joinAttempt) {
            return;
        }
        RelayAgent.State s = r.agent.state();
        if ((s == RelayAgent.State.JOINING && r.agent.candidateId() == null) || s == RelayAgent.State.DETACHED) {
            sendJoin(r);
        }
    }

    private void reportLoop(Relay r) {
        if (!r.alive) {
            return;
        }
        if (!r.draining && r.agent.rank() != Ranks.UNKNOWN) {
            Report report = new Report(r.info, r.agent.rank(), r.agent.parentId(), r.viewers);
            toController(r, c -> c.report(report, now()));
        }
        events.after(config.reportEvery().toNanos(), () -> reportLoop(r));
    }

    // ---- the relay side

    private void tickLoop(Relay r) {
        if (!r.alive) {
            return;
        }
        apply(r, r.agent.tick(now()));
        events.after(hb, () -> tickLoop(r));
    }

    /** Modelled heartbeats: tick an agent whose live parent counts as heard until now. */
    private void tickModelled(Relay r) {
        if (!r.alive) {
            return;
        }
        String p = r.agent.parentId();
        UpLink up = p == null ? null : r.upLinks.get(p);
        if (up != null && up.parent.alive) {
            r.agent.heard(p, now());
        }
        apply(r, r.agent.tick(now()));
    }

    private void apply(Relay r, List<Action> actions) {
        for (Action a : actions) {
            listener.onAction(r, a, now());
            switch (a) {
                case Action.Connect c -> connect(r, c.parent());
                case Action.Drop d -> drop(r, d.parentId());
                case Action.Heartbeat h -> heartbeat(r, h);
                case Action.Repaired rp -> reparented(r, rp.newParentId());
                case Action.Moved m -> reparented(r, m.newParentId());
                case Action.Joined j -> reparented(r, j.parentId());
                case Action.Detached d -> {
                    long attempt = r.joinAttempt;
                    events.after(config.joinRetry().toNanos(), () -> maybeRejoin(r, attempt));
                    if (!config.exactHeartbeats()) {
                        events.after(config.attemptTimeout().toNanos(), () -> tickModelled(r));
                    }
                }
            }
        }
    }

    private void reparented(Relay r, String parent) {
        toController(r, c -> c.reparented(r.id(), parent, now()));
    }

    private void connect(Relay child, Backup candidate) {
        long rank = child.agent.rank();
        long sentAt = now();
        String targetId = candidate.id();
        Relay target = targetId.equals(root.id()) ? root : relays.get(targetId);
        long delay = target == null ? 0 : delay(child, target);
        events.after(delay, () -> {
            Relay t = targetId.equals(root.id()) ? root : relays.get(targetId);
            if (t == null || !t.alive) {
                events.at(sentAt + connectTimeout, () -> {
                    if (child.alive) {
                        apply(child, child.agent.connectFailed(targetId, now()));
                    }
                });
                return;
            }
            if (!Ranks.mayAdopt(t.rank(), rank) || (!t.root && t.draining) || (t.root && !rootAccepts)) {
                if (!Ranks.mayAdopt(t.rank(), rank)) {
                    rankRefusals++;
                }
                send(t, child, false, () -> {
                    if (child.alive) {
                        apply(child, child.agent.connectFailed(targetId, now()));
                    }
                });
                return;
            }
            Link link = new Link(++linkIds, child, rank);
            t.childLinks.put(child.id(), link);
            send(t, child, false, () -> {
                if (!child.alive) {
                    return;
                }
                child.upLinks.put(targetId, new UpLink(t, link.id));
                apply(child, child.agent.connected(targetId, now()));
                if (!config.exactHeartbeats() && !t.alive && targetId.equals(child.agent.parentId())) {
                    events.after(deadAfter + (long) (random.nextDouble() * hb), () -> tickModelled(child));
                }
            });
        });
    }

    private void drop(Relay child, String parentId) {
        UpLink up = child.upLinks.remove(parentId);
        if (up == null) {
            return;
        }
        send(child, up.parent, false, () -> {
            Link held = up.parent.childLinks.get(child.id());
            if (held != null && held.id == up.id) {
                up.parent.childLinks.remove(child.id());
            }
        });
    }

    private void heartbeat(Relay child, Action.Heartbeat h) {
        if (!config.exactHeartbeats()) {
            return;
        }
        UpLink up = child.upLinks.get(h.parentId());
        if (up == null) {
            return;
        }
        send(child, up.parent, true, () -> {
            Relay p = up.parent;
            Link held = p.childLinks.get(child.id());
            if (p.alive && held != null && held.id == up.id) {
                send(p, child, true, () -> {
                    if (child.alive) {
                        apply(child, child.agent.heartbeatAcked(h.parentId(), h.sequence(), now()));
                    }
                });
            }
        });
    }

    private void die(Relay r, boolean graceful) {
        r.alive = false;
        for (Map.Entry<String, UpLink> e : r.upLinks.entrySet()) {
            Relay p = e.getValue().parent;
            Link held = p.childLinks.get(r.id());
            if (held != null && held.id == e.getValue().id) {
                p.childLinks.remove(r.id());
            }
        }
        r.upLinks.clear();
        for (Link l : r.childLinks.values()) {
            Relay c = l.child;
            if (!c.alive) {
                continue;
            }
            if (graceful) {
                send(r, c, false, () -> closedByParent(c, r, l.id));
            } else if (!config.exactHeartbeats()) {
                if (r.id().equals(c.agent.parentId())) {
                    c.agent.heard(r.id(), now());
                }
                events.after(deadAfter + (long) (random.nextDouble() * hb), () -> tickModelled(c));
            }
        }
        r.childLinks.clear();
    }

    private void closedByParent(Relay child, Relay parent, long linkId) {
        if (!child.alive) {
            return;
        }
        UpLink up = child.upLinks.get(parent.id());
        if (up != null && up.id == linkId) {
            child.upLinks.remove(parent.id());
            apply(child, child.agent.parentLost(parent.id(), now()));
        }
    }

    private void drainLoop(Relay r) {
        if (!r.alive) {
            return;
        }
        if (r.childLinks.isEmpty() || now() - r.drainStarted >= config.drainTimeout().toNanos()) {
            die(r, true);
            return;
        }
        events.after(Duration.ofMillis(50).toNanos(), () -> drainLoop(r));
    }

    // ---- the network

    private long delay(Relay a, Relay b) {
        long d = config.delays().nanos(a.id(), a.info.region(), b.id(), b.info.region());
        return jitter > 0 ? d + (long) (random.nextDouble() * jitter) : d;
    }

    /**
     * Sends from {@code from} to {@code to}: {@code onArrival} runs after the pair's delay plus jitter, unless the
     * message is lost ({@code control} messages only). Whether the receiver is still alive is the handler's check.
     */
    private void send(Relay from, Relay to, boolean control, Runnable onArrival) {
        messages++;
        if (control && loss > 0 && random.nextDouble() < loss) {
            lostMessages++;
            return;
        }
        events.after(delay(from, to), onArrival);
    }
}
