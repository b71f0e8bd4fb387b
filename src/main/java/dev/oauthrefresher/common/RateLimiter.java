package dev.oauthrefresher.common;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A token bucket that never blocks: each request reserves the next permit and is told how long to wait
 * for it. The bucket holds one second of permits, so an idle replica may start that many at once and then
 * settles at the configured rate, which may change while it runs ({@link #setPermitsPerSecond}).
 */
public final class RateLimiter {

    private final LongSupplier nanoClock;
    private long intervalNanos;
    private long burstNanos;
    /** When the bucket would be empty again if no more permits were taken (the "theoretical arrival time"). */
    private long emptyAt;

    public RateLimiter(int permitsPerSecond, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.emptyAt = nanoClock.getAsLong();
        setPermitsPerSecond(permitsPerSecond);
    }

    /** A new rate from now on; permits already reserved keep their waits. */
    public synchronized void setPermitsPerSecond(int permitsPerSecond) {
        if (permitsPerSecond < 1) {
            throw new IllegalArgumentException("permitsPerSecond must be at least 1");
        }
        intervalNanos = Duration.ofSeconds(1).toNanos() / permitsPerSecond;
        burstNanos = intervalNanos * (permitsPerSecond - 1L);
    }

    public static RateLimiter perSecond(int permitsPerSecond) {
        return new RateLimiter(permitsPerSecond, System::nanoTime);
    }

    /** Takes a permit and returns how long its holder must wait before using it; zero while the bucket has some. */
    public synchronized Duration reserve() {
        long now = nanoClock.getAsLong();
        // nanoTime values may be negative; compare differences only
        long start = emptyAt - now > 0 ? emptyAt : now;
        emptyAt = start + intervalNanos;
        long wait = start - burstNanos - now;
        return wait > 0 ? Duration.ofNanos(wait) : Duration.ZERO;
    }

    /** Takes a permit only if one is free now; otherwise takes none and returns how long until one is. */
    public synchronized Optional<Duration> tryAcquire() {
        Duration wait = nextWait();
        if (!wait.isZero()) {
            return Optional.of(wait);
        }
        reserve();
        return Optional.empty();
    }

    /**
     * Returns the last permit taken, for a holder that turned out not to need it (e.g. a lookup that found a valid
     * key, where the permit was for a failure). Never fills the bucket past full.
     */
    public synchronized void giveBack() {
        emptyAt -= intervalNanos;
    }

    /** How long a permit taken now would have to wait; takes none. Zero while the bucket has some. */
    public synchronized Duration nextWait() {
        long now = nanoClock.getAsLong();
        long start = emptyAt - now > 0 ? emptyAt : now;
        long wait = start - burstNanos - now;
        return wait > 0 ? Duration.ofNanos(wait) : Duration.ZERO;
    }
}
