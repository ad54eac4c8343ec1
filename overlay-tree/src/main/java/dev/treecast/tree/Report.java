package dev.treecast.tree;

/**
 * Sent by every relay to the controller every second or so (soft state): who it is, its rank, its parent now
 * (null while it has none) and its load. A controller that restarts rebuilds its whole map from these.
 */
public record Report(RelayInfo info, long rank, String parentId, int viewers) {
}
