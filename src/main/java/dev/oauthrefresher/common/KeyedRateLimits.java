package dev.oauthrefresher.common;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One token bucket per key (a tenant, an API key), created on first use and forgotten once it has been idle for
 * longer than it takes to refill, so the map holds only the keys that called recently, whoever calls.
 */
public final class KeyedRateLimits<K> {

    /** How many acquisitions pass between two sweeps of idle buckets: the sweep is cheap, but not free. */
    private static final int SWEEP_EVERY = 1024;

    private record Bucket(RateLimiter limiter, AtomicLong lastUsedNanos) {
    }

    private final Map<K, Bucket> buckets = new ConcurrentHashMap<>();
    private final int permitsPerSecond;
    private final LongSupplier nanoClock;
    private final long idleNanos;
    private final AtomicLong calls = new AtomicLong();

    public KeyedRateLimits(int permitsPerSecond, LongSupplier nanoClock) {
        this.permitsPerSecond = permitsPerSecond;
        this.nanoClock = nanoClock;
        // a bucket idle this long is full again: forgetting it changes nothing for its key
        this.idleNanos = Duration.ofSeconds(2).toNanos();
    }

    public static <K> KeyedRateLimits<K> perSecond(int permitsPerSecond) {
        return new KeyedRateLimits<>(permitsPerSecond, System::nanoTime);
    }

    /** Empty if {@code key} may go ahead now (a permit is taken); otherwise how long until it may. */
    public Optional<Duration> tryAcquire(K key) {
        long now = nanoClock.getAsLong();
        if (calls.incrementAndGet() % SWEEP_EVERY == 0) {
            buckets.values().removeIf(b -> now - b.lastUsedNanos().get() > idleNanos);
        }
        Bucket bucket = buckets.computeIfAbsent(key,
                k -> new Bucket(new RateLimiter(permitsPerSecond, nanoClock), new AtomicLong(now)));
        bucket.lastUsedNanos().set(now);
        return bucket.limiter().tryAcquire();
    }

    /** How many keys have a bucket now. */
    public int size() {
        return buckets.size();
    }
}
