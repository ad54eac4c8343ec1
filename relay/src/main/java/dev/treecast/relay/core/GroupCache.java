package dev.treecast.relay.core;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The last few seconds of groups of every track, weighed by bytes: where a new subscriber starts (the newest
 * group's first object) and where a child that changed parent resumes from. A group expires a fixed time after
 * its last object arrived; the byte bound is the safety net.
 *
 * <p>Maintenance runs on the calling thread (the relay's event loop), so evicted groups are released by their
 * owner and no pool thread ever touches them.
 */
public final class GroupCache {
    private final Cache<CachedGroup.Key, CachedGroup> cache;

    public GroupCache(long maxBytes, Duration keepFor, Ticker ticker) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((CachedGroup.Key key, CachedGroup group) -> (int) Math.min(Integer.MAX_VALUE,
                        64 + group.bytes()))
                .expireAfterWrite(keepFor)
                .ticker(ticker)
                .executor(Runnable::run)
                .removalListener((CachedGroup.Key key, CachedGroup group, RemovalCause cause) -> {
                    // The group is re-put after each object to update its weight: that replaces it with itself.
                    if (cause != RemovalCause.REPLACED && group != null) {
                        group.release();
                    }
                })
                .build();
    }

    /** Adds a new group; the cache takes its own reference. */
    void add(CachedGroup group) {
        group.retain();
        cache.put(group.key(), group);
    }

    /** Re-weighs a group that grew, and restarts its expiry. */
    void touch(CachedGroup group) {
        if (cache.asMap().replace(group.key(), group) == null) {
            // Evicted meanwhile (byte bound): put it back only if it is still referenced by someone else.
            add(group);
        }
    }

    /** The cached group, or null; does not retain. */
    CachedGroup get(CachedGroup.Key key) {
        return cache.getIfPresent(key);
    }

    /** Bytes currently weighed. */
    public long weightedBytes() {
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    public long groups() {
        return cache.estimatedSize();
    }

    /** Runs pending expiry. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** Drops everything (on close). */
    public void clear() {
        cache.invalidateAll();
        cache.cleanUp();
    }
}
