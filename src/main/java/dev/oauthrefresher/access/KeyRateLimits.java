package dev.oauthrefresher.access;

import dev.oauthrefresher.common.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** One token bucket per tenant API key on this replica; the map grows with the number of keys that called. */
@ApplicationScoped
class KeyRateLimits {

    private final Map<UUID, RateLimiter> limiters = new ConcurrentHashMap<>();
    private final AccessConfig config;

    KeyRateLimits(AccessConfig config) {
        this.config = config;
    }

    /** Empty if the key may go ahead now; otherwise how long until it may. */
    Optional<Duration> tryAcquire(UUID keyId) {
        return limiters.computeIfAbsent(keyId, id -> RateLimiter.perSecond(config.rateLimitPerKey())).tryAcquire();
    }
}
