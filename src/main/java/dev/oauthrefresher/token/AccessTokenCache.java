package dev.oauthrefresher.token;

import dev.oauthrefresher.refresh.AccessToken;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens (never refresh tokens) recently read from the token store, each tagged with the integration row's
 * version at the time. A hit needs the row's current version, which a cheap primary-key read gives: any refresh
 * or reconnect on any replica bumps it, so a replaced token is never served; the TTL bounds how long a token
 * stays in memory at all. Bounded: when full, expired entries are dropped and otherwise nothing new is cached.
 */
@ApplicationScoped
class AccessTokenCache {

    private record Entry(long version, AccessToken token, long cachedAtNanos) {
    }

    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final int maxEntries;

    AccessTokenCache(OnDemandConfig config) {
        this.ttlNanos = config.cacheTtl().toNanos();
        this.maxEntries = config.cacheMaxEntries();
    }

    Optional<AccessToken> get(UUID id, long version) {
        Entry entry = entries.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.version() != version || isExpired(entry, System.nanoTime())) {
            entries.remove(id, entry);
            return Optional.empty();
        }
        return Optional.of(entry.token());
    }

    void put(UUID id, long version, AccessToken token) {
        if (ttlNanos == 0 || maxEntries == 0) {
            return;
        }
        long now = System.nanoTime();
        if (entries.size() >= maxEntries && !entries.containsKey(id)) {
            entries.values().removeIf(e -> isExpired(e, now));
            if (entries.size() >= maxEntries) {
                return;
            }
        }
        entries.merge(id, new Entry(version, token, now), (old, fresh) -> fresh.version() >= old.version() ? fresh : old);
    }

    void evict(UUID id) {
        entries.remove(id);
    }

    private boolean isExpired(Entry entry, long now) {
        return now - entry.cachedAtNanos() >= ttlNanos;
    }
}
