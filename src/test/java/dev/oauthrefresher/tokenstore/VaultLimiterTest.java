package dev.oauthrefresher.tokenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A vault's budget on a hand-driven clock: who gets permits, how long they wait, who is refused. */
class VaultLimiterTest {

    static final long MILLI = Duration.ofMillis(1).toNanos();
    static final Duration SCHEDULED_BOUND = Duration.ofSeconds(5);
    static final Duration ON_DEMAND_BOUND = Duration.ofSeconds(2);

    final AtomicLong clock = new AtomicLong(-7_000 * MILLI);

    VaultLimiter limiter(int perSecond, double onDemandShare) {
        return new VaultLimiter("default", perSecond, onDemandShare, SCHEDULED_BOUND, ON_DEMAND_BOUND, clock::get);
    }

    @Test
    void shouldNeverHandOutAWaitLongerThanThePrioritysBoundAndTakeNothingWhenRefusing() {
        VaultLimiter limiter = limiter(10, 1.0);

        Duration longest = Duration.ZERO;
        int granted = 0;
        while (true) {
            try {
                Duration wait = limiter.acquire(VaultPriority.SCHEDULED);
                longest = wait.compareTo(longest) > 0 ? wait : longest;
                granted++;
            } catch (VaultBudgetExhaustedException e) {
                assertThat(e.retryAfter()).contains(Duration.ofMillis(100));
                break;
            }
        }

        // a second's burst (10) and then 5 s of queue at 10/s
        assertThat(granted).isEqualTo(10 + 50);
        assertThat(longest).isEqualTo(SCHEDULED_BOUND);
        assertThat(catchThrowableOfType(VaultBudgetExhaustedException.class, () -> limiter.acquire(VaultPriority.SCHEDULED))
                .retryAfter()).as("the refusals took no permit").contains(Duration.ofMillis(100));
        clock.addAndGet(100 * MILLI);
        assertThat(limiter.acquire(VaultPriority.SCHEDULED)).isEqualTo(SCHEDULED_BOUND);
        assertThat(limiter.refused(VaultPriority.SCHEDULED)).isEqualTo(2);
    }

    @Test
    void shouldKeepOnDemandCallsWithinTheirShareWhileScheduledCallsGetAllTheyAskBelowTheRest() {
        VaultLimiter limiter = limiter(100, 0.3);
        int onDemand = 0;
        int scheduled = 0;
        Duration longestScheduled = Duration.ZERO;

        // for 60 s on-demand callers ask 1,000/s, a run asks 50/s
        for (int step = 0; step < 6_000; step++) {
            for (int i = 0; i < 10; i++) {
                try {
                    limiter.acquire(VaultPriority.ON_DEMAND);
                    onDemand++;
                } catch (VaultBudgetExhaustedException refused) {
                    // asked again at the next step
                }
            }
            if (step % 2 == 0) {
                Duration wait = limiter.acquire(VaultPriority.SCHEDULED);
                longestScheduled = wait.compareTo(longestScheduled) > 0 ? wait : longestScheduled;
                scheduled++;
            }
            clock.addAndGet(10 * MILLI);
        }

        assertThat(onDemand).as("30/s after one second's burst of the share").isBetween(30 * 60, 30 * 60 + 30);
        assertThat(scheduled).isEqualTo(3_000);
        assertThat(limiter.refused(VaultPriority.SCHEDULED)).isZero();
        assertThat(longestScheduled).isLessThanOrEqualTo(Duration.ofMillis(10));
    }

    @Test
    void shouldServeScheduledCallsFirstWhenBothAskMoreThanTheVaultAllows() {
        VaultLimiter limiter = limiter(100, 0.3);
        Map<VaultPriority, Integer> granted = new EnumMap<>(Map.of(VaultPriority.SCHEDULED, 0, VaultPriority.ON_DEMAND, 0));

        // for 60 s both kinds ask ten times every 10 ms
        for (int step = 0; step < 6_000; step++) {
            for (int i = 0; i < 10; i++) {
                for (VaultPriority priority : VaultPriority.values()) {
                    try {
                        limiter.acquire(priority);
                        granted.merge(priority, 1, Integer::sum);
                    } catch (VaultBudgetExhaustedException refused) {
                        // asked again at the next step
                    }
                }
            }
            clock.addAndGet(10 * MILLI);
        }

        assertThat(granted.get(VaultPriority.ON_DEMAND)).isLessThanOrEqualTo(30 * 60 + 30);
        assertThat(granted.get(VaultPriority.SCHEDULED)).isGreaterThanOrEqualTo(70 * 60);
        assertThat(granted.get(VaultPriority.SCHEDULED) + granted.get(VaultPriority.ON_DEMAND))
                .as("never more than the rate for 60 s, one second's burst and the longest queue (5 s)")
                .isLessThanOrEqualTo(100 * 60 + 100 + 500);
    }

    @Test
    void shouldNeverRefuseAScheduledCallBecauseOfOnDemandTraffic() {
        // on-demand calls may take the whole rate here and ask ten times as much; the run asks the whole rate too
        VaultLimiter limiter = limiter(10, 1.0);
        Duration longestScheduled = Duration.ZERO;

        for (int step = 0; step < 1_000; step++) {
            try {
                limiter.acquire(VaultPriority.ON_DEMAND);
            } catch (VaultBudgetExhaustedException refused) {
                assertThat(refused.priority()).isEqualTo(VaultPriority.ON_DEMAND);
            }
            if (step % 10 == 0) {
                Duration wait = limiter.acquire(VaultPriority.SCHEDULED);
                longestScheduled = wait.compareTo(longestScheduled) > 0 ? wait : longestScheduled;
            }
            clock.addAndGet(10 * MILLI);
        }

        assertThat(limiter.refused(VaultPriority.SCHEDULED)).isZero();
        assertThat(longestScheduled).as("on-demand calls fill the queue only to their own bound")
                .isGreaterThan(Duration.ZERO).isLessThanOrEqualTo(ON_DEMAND_BOUND.plusMillis(100));
    }

    @Test
    void shouldLetOnDemandCallsWaitBehindScheduledOnesOnlyUpToTheirOwnBound() {
        VaultLimiter limiter = limiter(10, 0.5);
        // a run's calls: the burst and 1.5 s of queue
        for (int i = 0; i < 10 + 14; i++) {
            limiter.acquire(VaultPriority.SCHEDULED);
        }

        assertThat(limiter.acquire(VaultPriority.ON_DEMAND)).isEqualTo(Duration.ofMillis(1_500));
        for (int i = 0; i < 5; i++) {
            limiter.acquire(VaultPriority.SCHEDULED);
        }
        VaultBudgetExhaustedException refused = catchThrowableOfType(VaultBudgetExhaustedException.class,
                () -> limiter.acquire(VaultPriority.ON_DEMAND));

        assertThat(refused.retryAfter()).as("until the queue is within 2 s again").contains(Duration.ofMillis(100));
        assertThat(refused.getMessage()).contains("vault 'default'", "on-demand", "2000 ms");
        assertThat(limiter.acquire(VaultPriority.SCHEDULED)).isEqualTo(Duration.ofMillis(2_100));
    }

    @Test
    void shouldFollowANewRateWithItsOnDemandShare() {
        VaultLimiter limiter = limiter(100, 0.5);
        limiter.setPermitsPerSecond(4);

        int onDemand = 0;
        for (int i = 0; i < 100; i++) {
            try {
                limiter.acquire(VaultPriority.ON_DEMAND);
                onDemand++;
            } catch (VaultBudgetExhaustedException refused) {
                // past the share
            }
        }

        assertThat(onDemand).isEqualTo(2);
        assertThat(limiter.acquire(VaultPriority.SCHEDULED)).isZero();
        assertThat(limiter.acquire(VaultPriority.SCHEDULED)).isZero();
        assertThat(limiter.acquire(VaultPriority.SCHEDULED)).isEqualTo(Duration.ofMillis(250));
    }
}
