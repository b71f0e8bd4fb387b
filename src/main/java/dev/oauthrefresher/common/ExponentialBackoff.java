package dev.oauthrefresher.common;

import java.time.Duration;

/**
 * The one backoff rule: {@code initial × multiplier^(attempt-1)}, spread by ±{@code jitter} so replicas and rows
 * do not retry in step, never longer than {@code max}. Used for a row's next attempt after a failed refresh and
 * for the pause before a token-store retry.
 */
public record ExponentialBackoff(Duration initial, Duration max, double multiplier, double jitter) {

    /**
     * @param attempt 1 for the first retry
     * @param random a number in [0, 1)
     */
    public Duration delay(int attempt, double random) {
        double exponential = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(exponential, max.toMillis());
        double spread = 1.0 + jitter * (2 * random - 1);
        return Duration.ofMillis(Math.min(max.toMillis(), Math.round(capped * spread)));
    }
}
