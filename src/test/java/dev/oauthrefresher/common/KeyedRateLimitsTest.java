package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KeyedRateLimitsTest {

    final AtomicLong clock = new AtomicLong(0);
    final KeyedRateLimits<String> limits = new KeyedRateLimits<>(2, clock::get);

    @Test
    void shouldGiveEachKeyItsOwnBucket() {
        assertThat(limits.tryAcquire("noisy")).isEmpty();
        assertThat(limits.tryAcquire("noisy")).isEmpty();
        assertThat(limits.tryAcquire("noisy")).as("the noisy key's third call in the same instant").isPresent();
        assertThat(limits.tryAcquire("quiet")).as("another key is not held back").isEmpty();
    }

    @Test
    void shouldForgetABucketOnceItHasBeenIdleLongEnoughToBeFullAgain() {
        limits.tryAcquire("once");
        clock.addAndGet(Duration.ofSeconds(3).toNanos());
        for (int i = 0; i < 1024; i++) {
            clock.addAndGet(Duration.ofMillis(1).toNanos());
            limits.tryAcquire("busy");
        }
        assertThat(limits.size()).as("buckets left after an idle key's sweep").isEqualTo(1);
    }
}
