package dev.oauthrefresher.access;

import dev.oauthrefresher.common.KeyedRateLimits;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/** One token bucket per tenant API key on this replica; a key's bucket is forgotten once it is full again. */
@ApplicationScoped
class KeyRateLimits {

    private final KeyedRateLimits<UUID> limits;

    KeyRateLimits(AccessConfig config) {
        this.limits = KeyedRateLimits.perSecond(config.rateLimitPerKey());
    }

    /** Empty if the key may go ahead now; otherwise how long until it may. */
    Optional<Duration> tryAcquire(UUID keyId) {
        return limits.tryAcquire(keyId);
    }
}
