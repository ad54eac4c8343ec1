package dev.treecast.loadtest.model;

/** How a virtual viewer reaches its edge. */
public enum ViewerTransport {
    /** As a browser does: ask the director for an edge, then WebTransport (HTTP/3) to that relay's gateway. */
    WEBTRANSPORT,
    /** {@code treecast/1} over raw QUIC straight to a relay (the in-process cluster's leaves, or given addresses). */
    QUIC
}
