package dev.oauthrefresher.refresh;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When to try again after a transient failure: exponential with jitter, never sooner than the provider's
 * {@code Retry-After}, and, when possible, early enough that one more attempt still lands before the access
 * token expires.
 */
final class Backoff {

    /** The last useful retry is this long before expiry, so its refresh can complete in time. */
    static final Duration BEFORE_EXPIRY_MARGIN = Duration.ofMinutes(1);

    private final RefreshConfig.Backoff config;
    private final DoubleSupplier random;

    Backoff(RefreshConfig.Backoff config, DoubleSupplier random) {
        this.config = config;
        this.random = random;
    }

    /**
     * @param failures consecutive failures including this one (1 for the first)
     * @param retryAfter the provider's hint, if it gave one
     */
    Instant nextAttempt(Instant now, int failures, Optional<Duration> retryAfter, Instant accessTokenExpiresAt) {
        double exponential = config.initial().toMillis() * Math.pow(config.multiplier(), Math.max(0, failures - 1));
        double capped = Math.min(exponential, config.max().toMillis());
        double spread = 1.0 + config.jitter() * (2 * random.getAsDouble() - 1);
        Duration delay = Duration.ofMillis(Math.max(1_000L, Math.round(capped * spread)));

        Instant lastUseful = accessTokenExpiresAt.minus(BEFORE_EXPIRY_MARGIN);
        Instant earliestSensible = now.plus(config.initial().dividedBy(2));
        if (now.plus(delay).isAfter(lastUseful) && lastUseful.isAfter(earliestSensible)) {
            delay = Duration.between(now, lastUseful);
        }
        if (retryAfter.isPresent() && retryAfter.get().compareTo(delay) > 0) {
            delay = retryAfter.get();
        }
        return now.plus(delay);
    }
}
