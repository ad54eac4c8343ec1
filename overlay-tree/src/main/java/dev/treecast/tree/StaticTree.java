package dev.treecast.tree;

import java.util.ArrayList;
import java.util.List;

/**
 * A fixed tree shape given as relays per level, top first: level 1 hangs under the root, and each relay of level
 * {@code n+1} under relay {@code i mod size(n)} of level {@code n}, so children spread evenly over parents.
 * Pure: the shape is decided here, outside the relays, which only learn their parent's address.
 */
public final class StaticTree {
    /** One relay's place: its id ({@code relay-<level>.<index>}, both from 1) and its parent's id. */
    public record Placement(String nodeId, int level, String parentId) {
    }

    private StaticTree() {
    }

    /**
     * The placements of {@code levels} under a root named {@code rootId}, parents before children.
     *
     * @throws IllegalArgumentException if there is no level or a level is empty
     */
    public static List<Placement> of(String rootId, List<Integer> levels) {
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("a tree needs at least one level of relays");
        }
        List<Placement> placements = new ArrayList<>();
        List<String> parents = List.of(rootId);
        for (int level = 1; level <= levels.size(); level++) {
            int count = levels.get(level - 1);
            if (count < 1) {
                throw new IllegalArgumentException("level " + level + " has " + count + " relays; at least 1");
            }
            List<String> current = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String id = "relay-" + level + "." + (i + 1);
                placements.add(new Placement(id, level, parents.get(i % parents.size())));
                current.add(id);
            }
            parents = current;
        }
        return placements;
    }
}
