package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter on a hand-driven clock: permits are counted, nothing is timed. */
class RateLimiterTest {

    static final long SECOND = Duration.ofSeconds(1).toNanos();

    final AtomicLong clock = new AtomicLong(-42 * SECOND);

    @Test
    void shouldGrantOneSecondOfPermitsAtOnceThenSpaceTheRest() {
        RateLimiter limiter = new RateLimiter(200, clock::get);

        List<Duration> waits = reserve(limiter, 202);

        assertThat(waits.subList(0, 200)).containsOnly(Duration.ZERO);
        assertThat(waits.get(200)).isEqualTo(Duration.ofMillis(5));
        assertThat(waits.get(201)).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void shouldRefuseWithoutTakingAPermitOnceTheBucketIsEmpty() {
        RateLimiter limiter = new RateLimiter(4, clock::get);

        for (int i = 0; i < 4; i++) {
            assertThat(limiter.tryAcquire()).as("permit %d", i).isEmpty();
        }
        assertThat(limiter.tryAcquire()).contains(Duration.ofMillis(250));
        assertThat(limiter.tryAcquire()).as("a refusal takes nothing").contains(Duration.ofMillis(250));
        clock.addAndGet(SECOND / 4);
        assertThat(limiter.tryAcquire()).isEmpty();
        assertThat(limiter.tryAcquire()).contains(Duration.ofMillis(250));
    }

    @Test
    void shouldTellTheNextPermitsWaitWithoutTakingIt() {
        RateLimiter limiter = new RateLimiter(4, clock::get);
        reserve(limiter, 4);

        assertThat(limiter.nextWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(limiter.nextWait()).as("asking takes nothing").isEqualTo(Duration.ofMillis(250));
        assertThat(limiter.reserve()).isEqualTo(Duration.ofMillis(250));
        assertThat(limiter.nextWait()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldTakeBackAPermitButNeverFillPastFull() {
        RateLimiter limiter = new RateLimiter(4, clock::get);
        reserve(limiter, 4);
        assertThat(limiter.tryAcquire()).isPresent();

        limiter.giveBack();
        assertThat(limiter.tryAcquire()).as("the permit given back").isEmpty();

        clock.addAndGet(10 * SECOND);
        limiter.giveBack();
        limiter.giveBack();
        assertThat(reserve(limiter, 5)).as("a full bucket stays one second's worth")
                .containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofMillis(250));
    }

    @Test
    void shouldKeepABacklogWithinKeyVaultsVaultLimitInAnyTenSecondWindow() {
        RateLimiter limiter = new RateLimiter(200, clock::get);
        long start = clock.get();

        // 10,000 requests arrive at once; each may go at start + its wait
        List<Long> sendTimes = new ArrayList<>();
        for (Duration wait : reserve(limiter, 10_000)) {
            sendTimes.add(start + wait.toNanos());
        }

        long firstWindow = sendTimes.stream().filter(t -> t - start < 10 * SECOND).count();
        long laterWindow = sendTimes.stream().filter(t -> t - start >= 20 * SECOND && t - start < 30 * SECOND).count();
        assertThat(firstWindow).isEqualTo(2_199).isLessThan(4_000);
        assertThat(laterWindow).isEqualTo(2_000);
    }

    @Test
    void shouldNotSaveUpMoreThanOneSecondOfPermitsWhileIdle() {
        RateLimiter limiter = new RateLimiter(200, clock::get);
        clock.addAndGet(3_600 * SECOND);

        List<Duration> waits = reserve(limiter, 300);

        assertThat(waits.stream().filter(Duration::isZero).count()).isEqualTo(200);
    }

    @Test
    void shouldRefillAtTheConfiguredRate() {
        RateLimiter limiter = new RateLimiter(10, clock::get);
        reserve(limiter, 10);
        assertThat(limiter.reserve()).isEqualTo(Duration.ofMillis(100));

        clock.addAndGet(SECOND / 2);

        // the permit taken above is spent; half a second later four more are free
        List<Duration> waits = reserve(limiter, 5);
        assertThat(waits.subList(0, 4)).containsOnly(Duration.ZERO);
        assertThat(waits.get(4)).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void shouldSpaceLaterPermitsAtANewRateOnceItChanges() {
        RateLimiter limiter = new RateLimiter(200, clock::get);
        reserve(limiter, 200);
        assertThat(limiter.reserve()).isEqualTo(Duration.ofMillis(5));

        limiter.setPermitsPerSecond(100);
        clock.addAndGet(SECOND * 10);

        // an idle bucket at the new rate: one second of its permits at once, then one every 10 ms
        List<Duration> waits = reserve(limiter, 101);
        assertThat(waits.subList(0, 100)).containsOnly(Duration.ZERO);
        assertThat(waits.get(100)).isEqualTo(Duration.ofMillis(10));
    }

    static List<Duration> reserve(RateLimiter limiter, int permits) {
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < permits; i++) {
            waits.add(limiter.reserve());
        }
        return waits;
    }
}
