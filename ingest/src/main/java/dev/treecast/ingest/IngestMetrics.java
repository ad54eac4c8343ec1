package dev.treecast.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.treecast.tree.TreeNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/** The ingest's meters, declared once. Sources run on their own threads, so the counts are atomic. */
public final class IngestMetrics {
    private final AtomicLong objects = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong groups = new AtomicLong();
    private final Counter catalogs;
    private final Counter encoderSessions;
    private final Counter encoderDisconnects;
    private final Counter malformed;
    private final Counter droppedBeforeKeyframe;
    private final Counter hangFailures;
    private final MeterRegistry registry;
    private volatile Supplier<List<TreeNode>> tree = List::of;
    private MultiGauge treeNodes;
    private Map<String, Integer> lastDepths = Map.of();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        FunctionCounter.builder("treecast.ingest.objects", objects, AtomicLong::get).register(registry);
        FunctionCounter.builder("treecast.ingest.bytes", bytes, AtomicLong::get).baseUnit("bytes")
                .description("media payload bytes ingested").register(registry);
        FunctionCounter.builder("treecast.ingest.groups", groups, AtomicLong::get).register(registry);
        catalogs = Counter.builder("treecast.ingest.catalogs").register(registry);
        encoderSessions = Counter.builder("treecast.ingest.encoder.sessions")
                .description("encoder uploads started").register(registry);
        encoderDisconnects = Counter.builder("treecast.ingest.encoder.disconnects")
                .description("encoder uploads that ended without a clean end of stream").register(registry);
        malformed = Counter.builder("treecast.ingest.malformed")
                .description("uploads refused because their CMAF was malformed").register(registry);
        droppedBeforeKeyframe = Counter.builder("treecast.ingest.dropped.before.keyframe")
                .description("payloads dropped because no group had started").register(registry);
        hangFailures = Counter.builder("treecast.ingest.hang.failures")
                .description("fragments or init segments the hang packaging could not read (CMAF unaffected)")
                .register(registry);
    }

    void hangFailure() {
        hangFailures.increment();
    }

    public long hangFailures() {
        return (long) hangFailures.count();
    }

    /**
     * The tree's gauges, read from the controller's map (its {@code view()}, safe from any thread): relays in the
     * tree, its depth, the viewers they reported, and one {@code treecast.ingest.tree.node} per relay.
     */
    void tree(Supplier<List<TreeNode>> view) {
        tree = view;
        Gauge.builder("treecast.ingest.tree.relays", this, m -> Math.max(0, m.tree.get().size() - 1))
                .description("relays in the tree (the root, this ingest, not counted)").register(registry);
        Gauge.builder("treecast.ingest.tree.depth", this,
                        m -> m.tree.get().stream().mapToInt(TreeNode::depth).max().orElse(0))
                .description("hops from the ingest to the deepest relay").register(registry);
        Gauge.builder("treecast.ingest.tree.viewers", this,
                        m -> m.tree.get().stream().mapToLong(TreeNode::viewers).sum())
                .description("viewers the relays reported in their last REPORT").register(registry);
        treeNodes = MultiGauge.builder("treecast.ingest.tree.node")
                .description("1 for each relay in the tree, tagged with its node id and depth: join relay meters"
                        + " on node to group them by depth").register(registry);
    }

    /** Refreshes {@code treecast.ingest.tree.node} when a relay came, went or changed depth (tree duty thread). */
    void treeChanged() {
        if (treeNodes == null) {
            return;
        }
        List<TreeNode> nodes = tree.get();
        Map<String, Integer> depths = new HashMap<>();
        for (TreeNode n : nodes) {
            if (n.depth() > 0) {
                depths.put(n.id(), n.depth());
            }
        }
        if (depths.equals(lastDepths)) {
            return;
        }
        lastDepths = depths;
        List<MultiGauge.Row<?>> rows = new ArrayList<>(depths.size());
        depths.forEach((id, depth) -> rows.add(MultiGauge.Row.of(Tags.of("node", id, "depth",
                Integer.toString(depth)), 1)));
        treeNodes.register(rows, true);
    }

    void object(int payloadBytes) {
        objects.incrementAndGet();
        bytes.addAndGet(payloadBytes);
    }

    void group() {
        groups.incrementAndGet();
    }

    void catalog() {
        catalogs.increment();
    }

    void encoderSession() {
        encoderSessions.increment();
    }

    void encoderDisconnect() {
        encoderDisconnects.increment();
    }

    void malformedUpload() {
        malformed.increment();
    }

    void droppedBeforeKeyframe(long count) {
        droppedBeforeKeyframe.increment(count);
    }

    public long objects() {
        return objects.get();
    }

    public long bytes() {
        return bytes.get();
    }

    public long groups() {
        return groups.get();
    }

    public long encoderDisconnects() {
        return (long) encoderDisconnects.count();
    }

    public long malformedUploads() {
        return (long) malformed.count();
    }
}
