package dev.treecast.tree;

/**
 * One node of the controller's map, for {@code /api/tree} and the simulation. {@code depth}: root 0, -1 while the
 * node is not connected to the root in the map (its parent is unknown or not reported yet). {@code children} counts
 * the children known to the map.
 */
public record TreeNode(String id, String parentId, int depth, long rank, RelayInfo info, int children, int viewers) {
}
