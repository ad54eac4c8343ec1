package dev.treecast.protocol.control;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;

/** What the connecting side is: a viewer only subscribes; a relay subscribes and takes part in the tree. */
public enum Role {
    VIEWER(0),
    RELAY(1);

    private final int wire;

    Role(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }

    static Role of(long wire) {
        for (Role r : values()) {
            if (r.wire == wire) {
                return r;
            }
        }
        throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "unknown role " + wire);
    }
}
