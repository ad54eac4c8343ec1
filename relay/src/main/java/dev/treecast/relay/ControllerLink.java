package dev.treecast.relay;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.control.Backups;
import dev.treecast.protocol.control.Candidate;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.ErrorMessage;
import dev.treecast.protocol.control.GoAway;
import dev.treecast.protocol.control.Join;
import dev.treecast.protocol.control.Move;
import dev.treecast.protocol.control.Placement;
import dev.treecast.protocol.control.RelayDescription;
import dev.treecast.protocol.control.Repaired;
import dev.treecast.protocol.control.Report;
import dev.treecast.relay.core.RelayCore;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.tree.Backup;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The relay's session with the tree controller at the root: JOIN once, then a REPORT every second (soft state the
 * controller rebuilds its map from), REPAIRED after a local repair; PLACEMENT (with the ingest's broadcast key),
 * BACKUPS and MOVE come back. When
 * the controller is away nothing else stops: data keeps flowing and repairs use the backups already known; the
 * link reconnects and reports, and re-joins only if it was never placed.
 *
 * <p>Owned by the relay's event loop thread.
 */
final class ControllerLink {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerLink.class);
    private static final long REPORT_EVERY_MILLIS = 1000;
    private static final long MAX_BACKOFF_MILLIS = 2000;

    private final QuicClientEndpoint endpoint;
    private final InetSocketAddress controller;
    private final ClientSession.Options options;
    private final Supplier<RelayDescription> describe;
    private final ParentLink parents;
    private final ObjectVerification verification;
    private final EventLoop loop;
    private RelayCore core;
    private ClientSession session;
    private boolean placed;
    private boolean closed;
    private int failures;
    private final List<ControlMessage> pending = new ArrayList<>();

    ControllerLink(QuicClientEndpoint endpoint, InetSocketAddress controller, ClientSession.Options options,
                   Supplier<RelayDescription> describe, ParentLink parents, ObjectVerification verification) {
        this.endpoint = endpoint;
        this.controller = controller;
        this.options = options;
        this.describe = describe;
        this.parents = parents;
        this.verification = verification;
        this.loop = endpoint.eventLoop();
    }

    void start(RelayCore core) {
        this.core = core;
        connect();
        loop.scheduleAtFixedRate(this::report, REPORT_EVERY_MILLIS, REPORT_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    boolean isConnected() {
        return session != null && session.isOpen();
    }

    boolean isPlaced() {
        return placed;
    }

    private void connect() {
        if (closed) {
            return;
        }
        ClientSession.connect(endpoint, controller, options, new Listener()).addListener((Future<ClientSession> f) -> {
            if (closed) {
                if (f.isSuccess()) {
                    f.getNow().close();
                }
                return;
            }
            if (!f.isSuccess()) {
                retry("cannot reach the controller at " + controller + ": " + f.cause().getMessage());
                return;
            }
            session = f.getNow();
            failures = 0;
            if (placed) {
                report();
            } else {
                session.send(new Join(describe.get()));
            }
            pending.forEach(session::send);
            pending.clear();
        });
    }

    private void retry(String why) {
        failures++;
        long delay = Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(failures, 5));
        if (failures == 1 || failures % 10 == 0) {
            LOG.warn("{}: {}; retrying in {} ms (data keeps flowing)", core.nodeId(), why, delay);
        }
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void report() {
        if (closed || !placed || !isConnected()) {
            return;
        }
        String parent = parents.parentId();
        // The counters are plain fields of this thread (the relay's loop); the controller turns them into rates.
        session.send(new Report(describe.get(), core.rank(), parent == null ? "" : parent, core.viewerCount(),
                core.metrics().bytesReceived(), core.metrics().bytesForwarded()));
    }

    /** Reports now (e.g. right after a planned change of parent), rather than at the next period. */
    void reportNow() {
        report();
    }

    /** Tells the controller about a local repair (queued while it is away): its old parent is dead. */
    void repaired(String oldParentId, String newParentId, long tookNanos) {
        send(new Repaired(oldParentId, newParentId, tookNanos / 1000));
    }

    /** Tells the controller this relay drains: it moves the children elsewhere. */
    void draining() {
        send(new GoAway(""));
    }

    /** Not placed any more (every candidate failed): join again. */
    void rejoin() {
        placed = false;
        if (isConnected()) {
            session.send(new Join(describe.get()));
        }
    }

    private void send(ControlMessage message) {
        if (isConnected()) {
            session.send(message);
        } else if (pending.size() < 16) {
            pending.add(message);
        }
    }

    void close() {
        closed = true;
        if (session != null) {
            session.close();
        }
    }

    static List<Backup> backups(List<Candidate> candidates) {
        List<Backup> backups = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            backups.add(new Backup(c.nodeId(), c.address(), c.rank()));
        }
        return backups;
    }

    private final class Listener implements ClientSession.Listener {
        @Override
        public void onControl(ClientSession from, ControlMessage message) {
            if (from != session) {
                return;
            }
            switch (message) {
                case Placement placement -> {
                    placed = true;
                    LOG.info("{}: placed under {} ({}), rank {}, {} backups", core.nodeId(), placement.parentId(),
                            placement.parentAddress(), placement.rank(), placement.backups().size());
                    // Before any parent is attached: the first object from it is already checked.
                    verification.learned(placement.broadcastKey());
                    parents.placed(new dev.treecast.tree.Placement(placement.parentId(), placement.parentAddress(),
                            placement.rank(), backups(placement.backups())));
                }
                case Backups list -> parents.backups(backups(list.candidates()));
                case Move move -> {
                    LOG.info("{}: controller moves us under {} ({})", core.nodeId(), move.parentId(), move.address());
                    parents.move(move.parentId(), move.address());
                }
                case ErrorMessage error -> LOG.warn("{}: controller says {}: {}", core.nodeId(), error.code(),
                        error.reason());
                default -> {
                }
            }
        }

        @Override
        public void onClosed(ClientSession from, ErrorCode code, String reason) {
            if (from != session || closed) {
                return;
            }
            session = null;
            retry("lost the controller (" + code + ": " + reason + ")");
        }
    }
}
