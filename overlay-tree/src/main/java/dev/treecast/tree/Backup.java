package dev.treecast.tree;

/**
 * A candidate parent, as ranked by the controller. {@code rank} is the candidate's rank ({@link Ranks#UNKNOWN} when
 * the agent was not told, e.g. for a Move target); an agent never tries a backup whose known rank is not below its own.
 */
public record Backup(String id, String address, long rank) {
}
