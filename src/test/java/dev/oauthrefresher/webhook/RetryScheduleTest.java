package dev.oauthrefresher.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The retry schedule: the issue's steps, their jitter, Retry-After, and the end of the schedule. */
class RetryScheduleTest {

    static final List<Duration> ISSUE = List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));

    final Random random = new Random(7);

    @Test
    void shouldWaitTheNextStepAfterEachFailureAndEndAfterTheEighthAttempt() {
        RetrySchedule schedule = new RetrySchedule(ISSUE, 0);

        assertThat(schedule.attempts()).isEqualTo(8);
        assertThat(schedule.first()).isZero();
        for (int attempt = 1; attempt < 8; attempt++) {
            assertThat(schedule.afterFailure(attempt, Optional.empty(), random)).contains(ISSUE.get(attempt));
        }
        assertThat(schedule.afterFailure(8, Optional.empty(), random)).isEmpty();
    }

    @Test
    void shouldSpreadEachDelayWithinTheJitter() {
        RetrySchedule schedule = new RetrySchedule(ISSUE, 0.1);

        for (int i = 0; i < 200; i++) {
            Duration wait = schedule.afterFailure(2, Optional.empty(), random).orElseThrow();
            assertThat(wait).isBetween(Duration.ofSeconds(270), Duration.ofSeconds(330));
        }
    }

    @Test
    void shouldHonourALongerRetryAfterButNeverBeyondTheLongestStep() {
        RetrySchedule schedule = new RetrySchedule(ISSUE, 0);

        assertThat(schedule.afterFailure(1, Optional.of(Duration.ofMinutes(2)), random)).contains(Duration.ofMinutes(2));
        assertThat(schedule.afterFailure(2, Optional.of(Duration.ofSeconds(1)), random)).contains(Duration.ofMinutes(5));
        assertThat(schedule.afterFailure(1, Optional.of(Duration.ofDays(3)), random)).contains(Duration.ofHours(10));
    }
}
