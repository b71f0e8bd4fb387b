package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.common.ExponentialBackoff;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When to try again after a transient failure: exponential with jitter, never sooner than the provider's
 * {@code Retry-After}, and, when possible, early enough that one more attempt still lands before the access
 * token expires.
 */
public final class Backoff {

    private final RefreshConfig.Backoff config;
    private final ExponentialBackoff exponential;
    private final DoubleSupplier random;

    Backoff(RefreshConfig.Backoff config, DoubleSupplier random) {
        this.config = config;
        this.exponential = new ExponentialBackoff(config.initial(), config.max(), config.multiplier(), config.jitter());
        this.random = random;
    }

    /**
     * @param failures consecutive failures including this one (1 for the first)
     * @param retryAfter the provider's hint, if it gave one
     */
    Instant nextAttempt(Instant now, int failures, Optional<Duration> retryAfter, Instant accessTokenExpiresAt) {
        Duration delay = exponential.delay(failures, random.getAsDouble());
        if (delay.toMillis() < 1_000L) {
            delay = Duration.ofSeconds(1);
        }

        // the last useful retry leaves its refresh the margin to complete before the token expires
        Instant lastUseful = accessTokenExpiresAt.minus(config.beforeExpiryMargin());
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
