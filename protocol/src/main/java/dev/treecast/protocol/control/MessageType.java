package dev.treecast.protocol.control;

/**
 * Control message types of {@code treecast/1} with their wire ids and the largest payload each may have. A
 * length above the limit is refused as soon as the length prefix is read, before any payload is buffered.
 */
public enum MessageType {
    SETUP(0x01, 1200),
    SETUP_OK(0x02, 1024),
    SUBSCRIBE(0x03, 1024),
    SUBSCRIBE_OK(0x04, 64),
    SUBSCRIBE_ERROR(0x05, 1200),
    UNSUBSCRIBE(0x06, 16),
    ANNOUNCE(0x07, 512),
    HEARTBEAT(0x10, 64),
    BACKUPS(0x11, 8192),
    MOVE(0x12, 512),
    GOAWAY(0x13, 512),
    ERROR(0x1F, 1200),
    JOIN(0x20, 1024),
    PLACEMENT(0x21, 8192),
    REPORT(0x22, 1024),
    REPAIRED(0x23, 512);

    private final int id;
    private final int maxPayload;

    MessageType(int id, int maxPayload) {
        this.id = id;
        this.maxPayload = maxPayload;
    }

    public int id() {
        return id;
    }

    public int maxPayload() {
        return maxPayload;
    }

    /** The type with wire id {@code id}, or {@code null} when there is none. */
    public static MessageType byId(long id) {
        for (MessageType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
