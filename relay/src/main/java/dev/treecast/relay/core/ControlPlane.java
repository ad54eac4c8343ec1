package dev.treecast.relay.core;

import dev.treecast.protocol.control.ControlMessage;

/**
 * The tree controller's side of the control messages relays send to the root (JOIN, REPORT, REPAIRED, and GOAWAY
 * on a controller session meaning "I am draining"). Installed at the root only; elsewhere those messages are
 * refused with NOT_CONTROLLER. Called on the root relay's event loop.
 */
public interface ControlPlane {
    void onControl(DownstreamSession session, ControlMessage message);

    /** A session that had spoken to the controller ended. */
    void onClosed(DownstreamSession session);
}
