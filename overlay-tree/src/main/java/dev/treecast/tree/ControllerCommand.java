package dev.treecast.tree;

import java.util.List;

/** What the controller asks of a relay. */
public sealed interface ControllerCommand {
    /** The relay the command is for. */
    String node();

    /** Make-before-break: {@code node} should attach to the new parent, receive from it, then drop its old parent. */
    record Move(String node, String parentId, String parentAddress) implements ControllerCommand {
    }

    /** A fresh ranked backup list for {@code node}. */
    record SendBackups(String node, List<Backup> backups) implements ControllerCommand {
        /** Copies the list. */
        public SendBackups {
            backups = List.copyOf(backups);
        }
    }
}
