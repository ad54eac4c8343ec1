package dev.treecast.loadtest.model;

/** Which relay of the in-process cluster a chaos step acts on, chosen when the step fires. */
public sealed interface RelaySelector {
    /** The relay with this node id (e.g. {@code relay-1.2}). */
    record Named(String nodeId) implements RelaySelector {
    }

    /** A random relay at this level (1 = just under the ingest). */
    record AtLevel(int level) implements RelaySelector {
    }

    /** A random relay that feeds other relays (so there is a repair to watch). */
    record WithChildren() implements RelaySelector {
    }

    /** A random relay of the last level (one with viewers on it). */
    record Leaf() implements RelaySelector {
    }

    /** Any relay at random. */
    record Any() implements RelaySelector {
    }
}
