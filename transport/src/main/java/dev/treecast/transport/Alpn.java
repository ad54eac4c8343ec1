package dev.treecast.transport;

/** Application protocol names negotiated in the TLS handshake (RFC 7301). */
public final class Alpn {
    /** {@code treecast/1} over raw QUIC: relay links, ingest links and native viewers. */
    public static final String TREECAST_1 = "treecast/1";
    /** The protocol version carried in SETUP for {@link #TREECAST_1}. */
    public static final long VERSION_1 = 1;

    private Alpn() {
    }
}
