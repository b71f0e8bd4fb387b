package dev.oauthrefresher.common;

import java.time.Duration;

/**
 * A non-blocking rate limiter: {@link #reserve()} books the next free slot and says how long the caller
 * must wait for it, so callers delay their own work (a timer, not a sleeping thread). Bursts up to one
 * second's worth of permits pass at once.
 */
public final class RateLimiter {

    private final long intervalNanos;
    private final long burstNanos;
    private long nextFreeNanos;

    /** @param permitsPerSecond 0 or less means unlimited */
    public RateLimiter(double permitsPerSecond) {
        this.intervalNanos = permitsPerSecond > 0 ? (long) (1_000_000_000L / permitsPerSecond) : 0;
        this.burstNanos = 1_000_000_000L;
        this.nextFreeNanos = System.nanoTime();
    }

    /** Books one permit; the returned delay is zero while the rate is respected. */
    public Duration reserve() {
        return reserveAt(System.nanoTime());
    }

    synchronized Duration reserveAt(long nowNanos) {
        if (intervalNanos == 0) {
            return Duration.ZERO;
        }
        // Unused capacity accrues up to one second's worth, then is forgotten.
        long slot = Math.max(nextFreeNanos, nowNanos - burstNanos);
        nextFreeNanos = slot + intervalNanos;
        return slot <= nowNanos ? Duration.ZERO : Duration.ofNanos(slot - nowNanos);
    }
}
