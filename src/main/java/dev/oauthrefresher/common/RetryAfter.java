package dev.oauthrefresher.common;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one reader of {@code Retry-After} (RFC 9110 section 10.2.3), for token endpoints and the token store alike, and
 * its one writer for this service's own answers.
 */
public final class RetryAfter {

    private static final Pattern DIGITS = Pattern.compile("^[0-9]{1,12}$");

    private RetryAfter() {
    }

    /**
     * {@code Retry-After} as delta-seconds or an HTTP-date; a date in the past is zero, anything unreadable is no hint.
     */
    public static Optional<Duration> parse(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String value = header.trim();
        if (DIGITS.matcher(value).matches()) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
        }
        try {
            Duration until = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return Optional.of(until.isNegative() ? Duration.ZERO : until);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The {@code Retry-After} value for a wait: whole seconds, rounded up, at least one (zero would invite a storm). */
    public static long seconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }
}
