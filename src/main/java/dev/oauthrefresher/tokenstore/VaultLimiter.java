package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.RateLimiter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One vault's request budget on this replica, shared by scheduled refreshes and on-demand calls ({@link VaultPriority}).
 * A permit is reserved and its wait is bounded: a call whose permit would come later than its priority's bound takes
 * none and fails at once ({@link VaultBudgetExhaustedException}), so no caller queues behind an unbounded backlog.
 *
 * <p>Why scheduled refreshes keep their share, in three steps that can be checked against {@link #acquire}:
 * <ol>
 * <li>Every permit comes from {@code all}, a token bucket at the vault's rate for this replica, and is taken only if
 *     its wait is within the caller's bound: nobody waits longer than that bound.</li>
 * <li>An on-demand call also needs a permit of {@code onDemand}, a bucket at {@code on-demand-share} of the rate that
 *     lends nothing ahead: it has a permit free now or the call is refused. So on-demand calls take at most that share
 *     of the vault's permits over any stretch of time (after a burst of one second's share), and scheduled calls
 *     always have the rest. (Letting on-demand calls queue in their own bucket would send them later than their slot
 *     in {@code all} says, and the vault would see bursts the budget never counted.)</li>
 * <li>An on-demand call takes a permit only while {@code all}'s queue is within the on-demand bound, which is no longer
 *     than the scheduled bound (checked at startup). So the queue past the on-demand bound (and the one permit that
 *     crosses it) is built by scheduled calls alone: on-demand traffic delays a scheduled call by at most the on-demand
 *     bound and never makes one fail.</li>
 * </ol>
 * Both buckets change only under this object's lock, so a refused call takes a permit from neither.
 */
final class VaultLimiter {

    private final String vault;
    private final double onDemandShare;
    private final Map<VaultPriority, Duration> bounds = new EnumMap<>(VaultPriority.class);
    private final Map<VaultPriority, LongAdder> refused = new EnumMap<>(VaultPriority.class);
    private final RateLimiter all;
    private final RateLimiter onDemand;

    VaultLimiter(String vault, int permitsPerSecond, double onDemandShare, Duration scheduledBound, Duration onDemandBound,
            LongSupplier nanoClock) {
        if (onDemandBound.compareTo(scheduledBound) > 0) {
            throw new IllegalArgumentException("the on-demand bound must not exceed the scheduled bound");
        }
        this.vault = vault;
        this.onDemandShare = onDemandShare;
        bounds.put(VaultPriority.SCHEDULED, scheduledBound);
        bounds.put(VaultPriority.ON_DEMAND, onDemandBound);
        for (VaultPriority priority : VaultPriority.values()) {
            refused.put(priority, new LongAdder());
        }
        this.all = new RateLimiter(permitsPerSecond, nanoClock);
        this.onDemand = new RateLimiter(onDemandRate(permitsPerSecond), nanoClock);
    }

    /**
     * Reserves a permit and returns how long its holder must wait before sending, at most the priority's bound; or,
     * taking none, fails with {@link VaultBudgetExhaustedException}.
     */
    synchronized Duration acquire(VaultPriority priority) {
        Duration bound = bounds.get(priority);
        Duration wait = all.nextWait();
        Duration retryAfter = wait.compareTo(bound) > 0 ? wait.minus(bound) : Duration.ZERO;
        if (priority == VaultPriority.ON_DEMAND) {
            Duration share = onDemand.nextWait();
            retryAfter = share.compareTo(retryAfter) > 0 ? share : retryAfter;
        }
        if (!retryAfter.isZero()) {
            refused.get(priority).increment();
            throw new VaultBudgetExhaustedException(vault, priority, bound, retryAfter);
        }
        if (priority == VaultPriority.ON_DEMAND) {
            onDemand.reserve();
        }
        return all.reserve();
    }

    /** A new rate for the vault from now on (the live replicas changed); the on-demand share follows it. */
    synchronized void setPermitsPerSecond(int permitsPerSecond) {
        all.setPermitsPerSecond(permitsPerSecond);
        onDemand.setPermitsPerSecond(onDemandRate(permitsPerSecond));
    }

    /** The longest a caller of this priority waits for a permit. */
    Duration bound(VaultPriority priority) {
        return bounds.get(priority);
    }

    /** Calls of this priority refused so far. */
    long refused(VaultPriority priority) {
        return refused.get(priority).sum();
    }

    private int onDemandRate(int permitsPerSecond) {
        return (int) Math.max(1, Math.floor(permitsPerSecond * onDemandShare));
    }
}
