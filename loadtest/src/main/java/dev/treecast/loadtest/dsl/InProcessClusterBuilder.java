package dev.treecast.loadtest.dsl;

import java.util.ArrayList;
import java.util.List;

import dev.treecast.loadtest.model.Target;

/**
 * A cluster the run starts in this process, from {@link LoadDsl#inProcessCluster()}. Defaults: levels 2, 4, the
 * built-in clip, killed relays replaced, 5000 viewers per leaf. Each method returns a new builder.
 */
public final class InProcessClusterBuilder {
    static final Target.InProcess DEFAULT =
            new Target.InProcess(List.of(2, 4), Target.Source.CLIP, 0, true, 5000);

    private final Target.InProcess target;

    InProcessClusterBuilder() {
        this(DEFAULT);
    }

    private InProcessClusterBuilder(Target.InProcess target) {
        this.target = target;
    }

    /** Relays per level, top first (e.g. {@code levels(2, 4)}: two under the ingest, four under those). */
    public InProcessClusterBuilder levels(int... relaysPerLevel) {
        List<Integer> levels = new ArrayList<>(relaysPerLevel.length);
        for (int n : relaysPerLevel) {
            levels.add(n);
        }
        Target.InProcess t = target;
        return new InProcessClusterBuilder(
                new Target.InProcess(levels, t.source(), t.bitsPerSecond(), t.replaceKilled(), t.viewerCapacity()));
    }

    /** The ingest publishes the built-in looping clip (the default). */
    public InProcessClusterBuilder clip() {
        Target.InProcess t = target;
        return new InProcessClusterBuilder(
                new Target.InProcess(t.levels(), Target.Source.CLIP, 0, t.replaceKilled(), t.viewerCapacity()));
    }

    /** The ingest publishes synthetic objects at this bitrate. */
    public InProcessClusterBuilder synthetic(long bitsPerSecond) {
        Target.InProcess t = target;
        return new InProcessClusterBuilder(new Target.InProcess(t.levels(), Target.Source.SYNTHETIC, bitsPerSecond,
                t.replaceKilled(), t.viewerCapacity()));
    }

    /** Start a fresh relay at the same level after a kill or drain (default true). */
    public InProcessClusterBuilder replaceKilled(boolean replace) {
        Target.InProcess t = target;
        return new InProcessClusterBuilder(
                new Target.InProcess(t.levels(), t.source(), t.bitsPerSecond(), replace, t.viewerCapacity()));
    }

    /** Browser viewers each leaf takes before the director looks elsewhere (default 5000). */
    public InProcessClusterBuilder viewerCapacity(int viewers) {
        Target.InProcess t = target;
        return new InProcessClusterBuilder(
                new Target.InProcess(t.levels(), t.source(), t.bitsPerSecond(), t.replaceKilled(), viewers));
    }

    /** The target as built so far. */
    public Target.InProcess target() {
        return target;
    }
}
