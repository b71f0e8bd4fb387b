package dev.oauthrefresher.webhook;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed delivery is tried again: the configured step for the next attempt, spread by the jitter so a
 * receiver that comes back is not hit by every replica's backlog at the same instant. A {@code Retry-After} from
 * the receiver (on 429 or 503) pushes the next attempt later, never sooner, and never past the schedule's
 * longest step.
 */
final class RetrySchedule {

    private final List<Duration> steps;
    private final double jitter;
    private final Duration longest;

    RetrySchedule(List<Duration> steps, double jitter) {
        this.steps = List.copyOf(steps);
        this.jitter = jitter;
        this.longest = Collections.max(steps);
    }

    /** Attempts in all, the first included. */
    int attempts() {
        return steps.size();
    }

    /** The delay before the first attempt. */
    Duration first() {
        return steps.get(0);
    }

    /** The wait after attempt {@code attempt} (1-based) failed, or empty if it was the last: the delivery is dead. */
    Optional<Duration> afterFailure(int attempt, Optional<Duration> retryAfter, RandomGenerator random) {
        if (attempt >= steps.size()) {
            return Optional.empty();
        }
        Duration step = steps.get(attempt);
        long millis = step.toMillis();
        long spread = Math.round(millis * jitter);
        Duration jittered = Duration.ofMillis(spread == 0 ? millis : millis - spread + random.nextLong(2 * spread + 1));
        Duration asked = retryAfter.map(r -> r.compareTo(longest) > 0 ? longest : r).orElse(Duration.ZERO);
        return Optional.of(asked.compareTo(jittered) > 0 ? asked : jittered);
    }
}
