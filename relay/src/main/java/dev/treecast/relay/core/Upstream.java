package dev.treecast.relay.core;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;

/**
 * Where a relay's tracks come from: its parent in the tree. The answers come back through the
 * {@code onUpstream*} methods of {@link RelayCore}, on the relay's event loop.
 */
public interface Upstream {
    /** Ask for {@code track} from {@code start}; at most one upstream subscription per track. */
    void subscribe(TrackName track, StartPosition start);

    void unsubscribe(TrackName track);
}
