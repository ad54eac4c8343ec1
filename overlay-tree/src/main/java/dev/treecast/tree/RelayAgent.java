package dev.treecast.tree;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One relay's view of the tree, looking up: its parent, its rank, its backups, and the repair and move logic.
 *
 * <p>Pure and not thread-safe: every method takes the event and the current time, and returns what the relay must
 * do ({@link Action}s) for its adapter to carry out; nothing here opens a socket or reads a clock.
 *
 * <p><b>Repair</b> (the parent is lost: {@link #parentLost}, or not heard from for {@link #deadAfterNanos()}, see
 * {@link #tick}): the agent tries its backups in the controller's order without asking the controller, skipping the
 * lost parent (except the root, rank 0, which is always worth retrying) and every backup whose rank is not below its
 * own. The first that accepts becomes the parent ({@link Action.Repaired}). When none is left it reports
 * {@link Action.Detached} and retries the list every {@code attemptTimeout} until a new placement or backup list
 * arrives.
 *
 * <p><b>Dead-parent detection adapts to the link</b>: {@code deadAfter} is the floor. Heartbeat round trips give a
 * smoothed RTT and its variation (RFC 6298), and a parent is dead only after a heartbeat interval, one round trip and
 * two QUIC probe timeouts ({@code srtt + 4·rttvar + 25 ms} max ack delay) of silence: on a link with tens of ms of
 * delay one lost packet stalls the ordered control stream for about a probe timeout, which a fixed 150 ms took for a
 * dead parent. The RTT samples include the parent's own queueing, so a parent slowed by load also gets more time. The
 * estimate is capped at {@link #MAX_DEAD_AFTER_FACTOR} × {@code deadAfter}; it carries over to the next parent as a
 * prior (same network, and a fresh parent has answered no heartbeat yet) and follows that parent's samples. Connect
 * attempts get the same slack ({@link #attemptTimeoutNanos()}): a handshake, SETUP and the first SUBSCRIBE replies
 * take three round trips and a lost packet adds a probe timeout.
 *
 * <p><b>Moves</b> ({@link #move}, {@link #goAway}) are make-before-break: the old parent is kept until
 * {@link #connected} for the new one, then dropped ({@link Action.Moved}). A controller move whose target fails is
 * abandoned (the old parent is still good); a GOAWAY falls back to the backups, still make-before-break. If the old
 * parent dies during a move, the move turns into a repair that keeps the pending attempt.
 *
 * <p><b>Contract for the adapter</b>: report every {@link Action.Connect} back with {@link #connected} or
 * {@link #connectFailed} under the id it carried; {@code connected} means the candidate accepted our rank and we
 * receive from it (upstream subscriptions re-established). A relay's accepting side must refuse a child unless
 * {@link Ranks#mayAdopt}{@code (rank(), childRank)}, refuse every child while {@link #rank()} is
 * {@link Ranks#UNKNOWN}, and, if {@link #rank()} ever changes (a new placement), close the links of children whose
 * rank is no longer above it.
 */
public final class RelayAgent {
    /** Where the agent stands. */
    public enum State {
        /** Not placed yet, or attaching to the placement's parent. */
        JOINING,
        /** Receiving from its parent. */
        ATTACHED,
        /** Parent lost: trying backups. */
        REPAIRING,
        /** Receiving from the old parent while attaching to a new one (make-before-break). */
        MOVING,
        /** No candidate left: retrying; the adapter re-JOINs through the root address. */
        DETACHED
    }

    /** What the adapter must do. */
    public sealed interface Action {
        /** Open a link to this candidate (SETUP carries our rank; the candidate refuses if !mayAdopt). */
        record Connect(Backup parent) implements Action {
        }

        /** Close the link to this (old, dead or abandoned) parent or candidate. */
        record Drop(String parentId) implements Action {
        }

        /** Send a heartbeat to the parent. */
        record Heartbeat(String parentId, long sequence) implements Action {
        }

        /**
         * A failure repair completed: tell the controller ({@code reparented}) when reachable, log it, metric.
         * {@code tookNanos} runs from the parent being declared dead or lost to {@code connected}.
         */
        record Repaired(String oldParentId, String newParentId, long tookNanos) implements Action {
        }

        /** No candidate left: keep trying (the adapter retries the root address and re-JOINs). */
        record Detached(String reason) implements Action {
        }

        /**
         * A planned move (controller Move or parent GOAWAY) completed and the old parent was dropped: tell the
         * controller ({@code reparented}). {@code tookNanos}: from the move order to {@code connected}.
         */
        record Moved(String oldParentId, String newParentId, long tookNanos) implements Action {
        }

        /**
         * The first attachment after a placement: {@code parentId} is the placed parent, or a backup if that one
         * failed (then tell the controller: {@code reparented}). {@code tookNanos}: from {@link #placed} to
         * {@code connected}.
         */
        record Joined(String parentId, long tookNanos) implements Action {
        }
    }

    private enum Op { JOIN, REPAIR, MOVE, GOAWAY }

    /** The adaptive dead-after never exceeds this many times the configured one. */
    public static final int MAX_DEAD_AFTER_FACTOR = 10;
    /** QUIC's default max_ack_delay (RFC 9000), part of a probe timeout. */
    private static final long MAX_ACK_DELAY = Duration.ofMillis(25).toNanos();
    private static final long GRANULARITY = Duration.ofMillis(1).toNanos();
    /** Send times of the last heartbeats, by sequence modulo the length. */
    private static final int BEATS_REMEMBERED = 32;

    private final String selfId;
    private final long heartbeatEvery;
    private final long deadAfter;
    private final long attemptTimeout;

    private State state = State.JOINING;
    private long rank = Ranks.UNKNOWN;
    private List<Backup> backups = List.of();

    private Backup parent;
    private long lastHeard;
    private long lastBeat;
    private long sequence;
    private final long[] beatSequence = new long[BEATS_REMEMBERED];
    private final long[] beatSentAt = new long[BEATS_REMEMBERED];
    /** Smoothed heartbeat RTT to the current parent and its variation (nanoseconds); srtt < 0: no sample yet. */
    private long srtt = -1;
    private long rttvar;

    private Op op;
    /** What a detached agent resumes when it retries: finishing a join, or a repair. */
    private Op resume;
    private Backup candidate;
    private long attemptStart;
    private final Deque<Backup> queue = new ArrayDeque<>();
    private final Set<String> tried = new HashSet<>();
    private String lostParentId;
    private long opStart;
    private long detachedAt;

    /**
     * An agent with {@code attemptTimeout} = 4 × {@code deadAfter}.
     *
     * @param heartbeatEvery how often to send a heartbeat to the parent
     * @param deadAfter      a parent not heard from for this long is dead
     */
    public RelayAgent(String selfId, Duration heartbeatEvery, Duration deadAfter) {
        this(selfId, heartbeatEvery, deadAfter, deadAfter.multipliedBy(4));
    }

    /**
     * @param attemptTimeout a connect attempt with neither {@link #connected} nor {@link #connectFailed} after this
     *                       long is abandoned (a safety net; the adapter should report failures itself); also the
     *                       retry period while {@link State#DETACHED}
     */
    public RelayAgent(String selfId, Duration heartbeatEvery, Duration deadAfter, Duration attemptTimeout) {
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.heartbeatEvery = positive(heartbeatEvery, "heartbeatEvery");
        this.deadAfter = positive(deadAfter, "deadAfter");
        this.attemptTimeout = positive(attemptTimeout, "attemptTimeout");
    }

    private static long positive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d.toNanos();
    }

    /**
     * After JOIN: remember rank and backups, connect to the placement's parent (its backups follow if it fails).
     * An attached agent whose rank is unchanged moves make-before-break; if the rank changed, the old parent is
     * dropped first (its link may no longer satisfy the rank order).
     */
    public List<Action> placed(Placement placement, long nowNanos) {
        List<Action> out = new ArrayList<>();
        boolean rankChanged = rank != Ranks.UNKNOWN && placement.rank() != rank;
        rank = placement.rank();
        backups = placement.backups();
        Backup target = known(placement.parentId(), placement.parentAddress());
        if (parent != null && rankChanged) {
            out.add(new Action.Drop(parent.id()));
            parent = null;
        }
        if (parent != null) {
            if (parent.id().equals(target.id())) {
                abandonAttempt(out);
                state = State.ATTACHED;
                return out;
            }
            startMove(Op.MOVE, target, nowNanos, out);
            return out;
        }
        abandonAttempt(out);
        op = Op.JOIN;
        state = State.JOINING;
        opStart = nowNanos;
        tried.clear();
        queue.clear();
        queue.add(target);
        queue.addAll(repairOrder(target.id()));
        connectNext(nowNanos, out);
        return out;
    }

    /** The candidate accepted us and we receive from it. A link we no longer want is dropped. */
    public List<Action> connected(String parentId, long nowNanos) {
        List<Action> out = new ArrayList<>();
        if (candidate != null && candidate.id().equals(parentId)) {
            Backup old = parent;
            parent = candidate;
            candidate = null;
            queue.clear();
            lastHeard = nowNanos;
            lastBeat = nowNanos;
            switch (op) {
                case JOIN -> out.add(new Action.Joined(parentId, nowNanos - opStart));
                case REPAIR -> out.add(new Action.Repaired(lostParentId, parentId, nowNanos - opStart));
                case MOVE, GOAWAY -> {
                    if (old != null) {
                        out.add(new Action.Drop(old.id()));
                    }
                    out.add(new Action.Moved(old == null ? null : old.id(), parentId, nowNanos - opStart));
                }
            }
            op = null;
            state = State.ATTACHED;
        } else if (parent != null && parent.id().equals(parentId)) {
            lastHeard = Math.max(lastHeard, nowNanos);
        } else {
            out.add(new Action.Drop(parentId));
        }
        return out;
    }

    /** The candidate refused (rank, full) or was unreachable: try the next one. */
    public List<Action> connectFailed(String candidateId, long nowNanos) {
        List<Action> out = new ArrayList<>();
        if (candidate != null && candidate.id().equals(candidateId)) {
            candidate = null;
            connectNext(nowNanos, out);
        }
        return out;
    }

    /** The parent answered a heartbeat: it is alive. */
    public List<Action> heartbeatAcked(String parentId, long sequence, long nowNanos) {
        int slot = (int) Math.floorMod(sequence, (long) BEATS_REMEMBERED);
        if (parent != null && parent.id().equals(parentId) && sequence > 0 && beatSequence[slot] == sequence) {
            beatSequence[slot] = 0;
            long sample = Math.max(0, nowNanos - beatSentAt[slot]);
            if (srtt < 0) {
                srtt = sample;
                rttvar = sample / 2;
            } else {
                rttvar = (3 * rttvar + Math.abs(srtt - sample)) / 4;
                srtt = (7 * srtt + sample) / 8;
            }
        }
        return heard(parentId, nowNanos);
    }

    /**
     * How long the current parent may be silent before it is dead: the configured {@code deadAfter}, or more on a
     * link whose heartbeat round trips say one lost packet can take longer to recover (see the class comment).
     */
    public long deadAfterNanos() {
        if (srtt < 0) {
            return deadAfter;
        }
        long pto = srtt + Math.max(4 * rttvar, GRANULARITY) + MAX_ACK_DELAY;
        long adaptive = heartbeatEvery + srtt + 2 * pto;
        return Math.min(Math.max(deadAfter, adaptive), deadAfter * MAX_DEAD_AFTER_FACTOR);
    }

    /**
     * How long a connect attempt may take before the next candidate is tried: the configured attempt timeout, or
     * 4 × {@link #deadAfterNanos()} on a slower link, capped at {@link #MAX_DEAD_AFTER_FACTOR} × the configured one.
     */
    public long attemptTimeoutNanos() {
        if (srtt < 0) {
            return attemptTimeout;
        }
        return Math.min(Math.max(attemptTimeout, 4 * deadAfterNanos()), attemptTimeout * MAX_DEAD_AFTER_FACTOR);
    }

    /** The smoothed heartbeat round trip to the current parent in nanoseconds, or -1 before the first answer. */
    public long smoothedRttNanos() {
        return srtt;
    }

    /** Anything from the parent (data, heartbeat ack) shows it is alive. */
    public List<Action> heard(String parentId, long nowNanos) {
        if (parent != null && parent.id().equals(parentId)) {
            lastHeard = Math.max(lastHeard, nowNanos);
        }
        return List.of();
    }

    /** The transport noticed the parent's link closed: repair now (or fail the pending attempt if it was that). */
    public List<Action> parentLost(String parentId, long nowNanos) {
        List<Action> out = new ArrayList<>();
        if (parent != null && parent.id().equals(parentId)) {
            lose(nowNanos, out);
        } else if (candidate != null && candidate.id().equals(parentId)) {
            candidate = null;
            connectNext(nowNanos, out);
        }
        return out;
    }

    /** A fresh ranked backup list. A repair in progress continues with it; a detached agent retries at once. */
    public List<Action> backups(List<Backup> list, long nowNanos) {
        List<Action> out = new ArrayList<>();
        backups = List.copyOf(list);
        if (op == Op.REPAIR || op == Op.JOIN || op == Op.GOAWAY) {
            queue.clear();
            queue.addAll(repairOrder(op == Op.GOAWAY ? parentId() : op == Op.REPAIR ? lostParentId : null));
        } else if (state == State.DETACHED) {
            retry(nowNanos, null, out);
        }
        return out;
    }

    /**
     * Controller Move, make-before-break: attach to {@code parentId}, and drop the old parent once
     * {@link #connected}. Ignored while joining; while repairing the target is tried next.
     */
    public List<Action> move(String parentId, String parentAddress, long nowNanos) {
        List<Action> out = new ArrayList<>();
        if (rank == Ranks.UNKNOWN || selfId.equals(parentId)) {
            return out;
        }
        Backup target = known(parentId, parentAddress);
        switch (state) {
            case ATTACHED -> {
                if (!parent.id().equals(parentId)) {
                    startMove(Op.MOVE, target, nowNanos, out);
                }
            }
            case MOVING -> {
                if (parent.id().equals(parentId)) {
                    abandonAttempt(out);
                    op = null;
                    state = State.ATTACHED;
                } else if (candidate == null || !candidate.id().equals(parentId)) {
                    startMove(Op.MOVE, target, nowNanos, out);
                }
            }
            case REPAIRING -> {
                if (candidate == null || !candidate.id().equals(parentId)) {
                    queue.addFirst(target);
                    tried.remove(parentId);
                }
            }
            case DETACHED -> retry(nowNanos, target, out);
            case JOINING -> {
            }
        }
        return out;
    }

    /**
     * Our parent drains: move make-before-break to the suggestion (if it is one of our backups) or else the next
     * backup, keeping the parent until the new one is connected.
     */
    public List<Action> goAway(String parentId, String suggestedAddress, long nowNanos) {
        List<Action> out = new ArrayList<>();
        if (parent == null || !parent.id().equals(parentId)) {
            return out;
        }
        if (state == State.MOVING) {
            if (op == Op.MOVE) {
                op = Op.GOAWAY;
                queue.clear();
                queue.addAll(repairOrder(parentId));
            }
            return out;
        }
        op = Op.GOAWAY;
        state = State.MOVING;
        opStart = nowNanos;
        tried.clear();
        queue.clear();
        if (suggestedAddress != null) {
            for (Backup b : backups) {
                if (suggestedAddress.equals(b.address()) && !b.id().equals(parentId) && eligible(b)) {
                    queue.add(b);
                    break;
                }
            }
        }
        queue.addAll(repairOrder(parentId));
        connectNext(nowNanos, out);
        return out;
    }

    /**
     * Periodic duty (call at least every {@code heartbeatEvery}): heartbeats to the parent, dead-parent detection
     * (not heard for {@code deadAfter}: drop it and repair), attempt timeouts, detached retries.
     */
    public List<Action> tick(long nowNanos) {
        List<Action> out = new ArrayList<>();
        if (parent != null) {
            if (nowNanos - lastHeard >= deadAfterNanos()) {
                out.add(new Action.Drop(parent.id()));
                lose(nowNanos, out);
            } else if (nowNanos - lastBeat >= heartbeatEvery) {
                lastBeat = nowNanos;
                int slot = (int) Math.floorMod(++sequence, (long) BEATS_REMEMBERED);
                beatSequence[slot] = sequence;
                beatSentAt[slot] = nowNanos;
                out.add(new Action.Heartbeat(parent.id(), sequence));
            }
        }
        if (candidate != null && nowNanos - attemptStart >= attemptTimeoutNanos()) {
            String gaveUp = candidate.id();
            candidate = null;
            out.add(new Action.Drop(gaveUp));
            connectNext(nowNanos, out);
        }
        if (state == State.DETACHED && nowNanos - detachedAt >= attemptTimeoutNanos()) {
            retry(nowNanos, null, out);
        }
        return out;
    }

    /** Where the agent stands. */
    public State state() {
        return state;
    }

    /** The parent we receive from (the old one while {@link State#MOVING}), or null. */
    public String parentId() {
        return parent == null ? null : parent.id();
    }

    /** The id of the candidate being connected, or null. */
    public String candidateId() {
        return candidate == null ? null : candidate.id();
    }

    /** Our rank, {@link Ranks#UNKNOWN} before the first placement. */
    public long rank() {
        return rank;
    }

    /** The backups as last given by the controller. */
    public List<Backup> backupList() {
        return backups;
    }

    /** This relay's id. */
    public String selfId() {
        return selfId;
    }

    @Override
    public String toString() {
        return "RelayAgent[" + selfId + " " + state + " rank " + rank + " parent " + parentId()
                + (candidate == null ? "" : " trying " + candidate.id()) + "]";
    }

    private void lose(long nowNanos, List<Action> out) {
        String lost = parent.id();
        parent = null;
        boolean moving = op == Op.MOVE || op == Op.GOAWAY;
        op = Op.REPAIR;
        state = State.REPAIRING;
        lostParentId = lost;
        opStart = nowNanos;
        if (!moving) {
            tried.clear();
        }
        queue.clear();
        queue.addAll(repairOrder(lost));
        if (candidate == null) {
            connectNext(nowNanos, out);
        }
    }

    private void retry(long nowNanos, Backup first, List<Action> out) {
        op = resume == Op.JOIN ? Op.JOIN : Op.REPAIR;
        resume = null;
        state = State.REPAIRING;
        tried.clear();
        queue.clear();
        if (first != null) {
            queue.add(first);
        }
        queue.addAll(repairOrder(null));
        connectNext(nowNanos, out);
    }

    private void startMove(Op kind, Backup target, long nowNanos, List<Action> out) {
        abandonAttempt(out);
        op = kind;
        state = State.MOVING;
        opStart = nowNanos;
        tried.clear();
        queue.clear();
        queue.add(target);
        connectNext(nowNanos, out);
    }

    private void abandonAttempt(List<Action> out) {
        if (candidate != null) {
            out.add(new Action.Drop(candidate.id()));
            candidate = null;
        }
        queue.clear();
    }

    private void connectNext(long nowNanos, List<Action> out) {
        while (!queue.isEmpty()) {
            Backup next = queue.poll();
            if (next.id().equals(selfId) || !tried.add(next.id())) {
                continue;
            }
            candidate = next;
            attemptStart = nowNanos;
            out.add(new Action.Connect(next));
            return;
        }
        switch (op) {
            case MOVE, GOAWAY -> {
                // The old parent still feeds us: stay. A draining parent will close, and then we repair.
                op = null;
                state = State.ATTACHED;
            }
            case JOIN, REPAIR -> {
                resume = op;
                op = null;
                state = State.DETACHED;
                detachedAt = nowNanos;
                out.add(new Action.Detached("no candidate left after trying " + tried.size()));
            }
        }
    }

    /** The backups in the controller's order that may adopt us, without {@code excludeId} unless it is the root. */
    private List<Backup> repairOrder(String excludeId) {
        List<Backup> order = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Backup b : backups) {
            boolean excluded = b.id().equals(excludeId) && b.rank() != Ranks.ROOT;
            if (!excluded && !tried.contains(b.id()) && eligible(b) && seen.add(b.id())) {
                order.add(b);
            }
        }
        return order;
    }

    private boolean eligible(Backup b) {
        return !b.id().equals(selfId) && (b.rank() == Ranks.UNKNOWN || Ranks.mayAdopt(b.rank(), rank));
    }

    private Backup known(String id, String address) {
        for (Backup b : backups) {
            if (b.id().equals(id)) {
                return new Backup(id, address != null ? address : b.address(), b.rank());
            }
        }
        return new Backup(id, address, Ranks.UNKNOWN);
    }
}
