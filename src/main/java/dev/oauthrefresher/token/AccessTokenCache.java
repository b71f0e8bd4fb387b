package dev.oauthrefresher.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.oauthrefresher.tokenstore.AccessToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Access tokens (never refresh tokens) recently read from the token store, each tagged with the integration row's
 * version at the time, in a Caffeine cache. A hit needs the row's current version, which a cheap primary-key read
 * gives: any refresh or reconnect on any replica bumps it, so a replaced token is never served. An entry lives for
 * the TTL and never past its token's own expiry; past the size bound Caffeine evicts the entries least likely to be
 * asked for again.
 */
@ApplicationScoped
class AccessTokenCache {

    /** A token and the row version it was read at; it expires at {@code deadlineNanos} on the cache's ticker. */
    private record Entry(long version, AccessToken token, long deadlineNanos) {
    }

    private final Cache<UUID, Entry> entries;
    private final Duration ttl;
    private final boolean enabled;
    private final Ticker ticker;
    private final InstantSource clock;

    @Inject
    AccessTokenCache(OnDemandConfig config) {
        this(config.cacheTtl(), config.cacheMaxEntries(), Ticker.systemTicker(), Clock.systemUTC(), ForkJoinPool.commonPool());
    }

    /** @param maintenance where Caffeine evicts (its default is the common pool); tests pass a direct executor */
    AccessTokenCache(Duration ttl, int maxEntries, Ticker ticker, InstantSource clock, Executor maintenance) {
        this.ttl = ttl;
        this.enabled = !ttl.isZero() && maxEntries > 0;
        this.ticker = ticker;
        this.clock = clock;
        this.entries = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(new UntilDeadline())
                .ticker(ticker)
                .executor(maintenance)
                .build();
    }

    Optional<AccessToken> get(UUID id, long version) {
        Entry entry = entries.getIfPresent(id);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.version() != version) {
            entries.asMap().remove(id, entry);
            return Optional.empty();
        }
        return Optional.of(entry.token());
    }

    /** Caches {@code token} read at {@code version}, unless a newer version is cached already or the token has expired. */
    void put(UUID id, long version, AccessToken token) {
        if (!enabled) {
            return;
        }
        Duration left = Duration.between(clock.instant(), token.expiresAt());
        Duration lifetime = left.compareTo(ttl) < 0 ? left : ttl;
        if (lifetime.isNegative() || lifetime.isZero()) {
            return;
        }
        Entry fresh = new Entry(version, token, ticker.read() + lifetime.toNanos());
        entries.asMap().merge(id, fresh, (old, given) -> given.version() >= old.version() ? given : old);
    }

    void evict(UUID id) {
        entries.invalidate(id);
    }

    /** Each entry expires at its own deadline, set when it is written; a read does not extend it. */
    private static final class UntilDeadline implements Expiry<UUID, Entry> {

        @Override
        public long expireAfterCreate(UUID id, Entry entry, long currentTime) {
            return Math.max(0, entry.deadlineNanos() - currentTime);
        }

        @Override
        public long expireAfterUpdate(UUID id, Entry entry, long currentTime, long currentDuration) {
            // an update that kept the newer version hands back the same entry, with the same deadline
            return Math.max(0, entry.deadlineNanos() - currentTime);
        }

        @Override
        public long expireAfterRead(UUID id, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
