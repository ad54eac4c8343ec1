package dev.treecast.tree;

import java.util.Objects;

/**
 * What a relay declares when it joins (and in every report). {@code slots} = how many child relays it may feed
 * (uplink ÷ stream bitrate minus a margin, computed by the caller). {@code webTransport} and
 * {@code certificateSha256} are carried for the director and may be null.
 */
public record RelayInfo(String id, String address, String region, int slots, String webTransport,
        String certificateSha256) {
    /** Checks that the id is present and slots are not negative. */
    public RelayInfo {
        Objects.requireNonNull(id, "id");
        if (slots < 0) {
            throw new IllegalArgumentException("slots " + slots + " < 0 for " + id);
        }
    }
}
