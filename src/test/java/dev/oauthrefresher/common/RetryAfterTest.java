package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code Retry-After} on a fixed clock. */
class RetryAfterTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void shouldReadRetryAfterAsSeconds() {
        assertThat(RetryAfter.parse(" 120 ", NOW)).contains(Duration.ofSeconds(120));
    }

    @Test
    void shouldReadRetryAfterAsAnHttpDate() {
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 10:01:30 GMT", NOW)).contains(Duration.ofSeconds(90));
    }

    @Test
    void shouldReadAnHttpDateInThePastAsZero() {
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 09:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void shouldIgnoreAnUnreadableRetryAfter() {
        assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
        assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("99999999999999999999", NOW)).isEmpty();
        assertThat(RetryAfter.parse(null, NOW)).isEmpty();
    }
}
