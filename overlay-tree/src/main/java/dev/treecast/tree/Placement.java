package dev.treecast.tree;

import java.util.List;

/** The controller's answer to a join: the parent to attach to, the relay's rank, and ranked backups. */
public record Placement(String parentId, String parentAddress, long rank, List<Backup> backups) {
    /** Copies the backup list. */
    public Placement {
        backups = List.copyOf(backups);
    }
}
