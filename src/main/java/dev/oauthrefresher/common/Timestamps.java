package dev.oauthrefresher.common;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Native queries hand back {@code timestamptz} values in driver- and version-dependent types; this reads them all,
 * and gives JDBC the type the driver binds as {@code timestamptz}. Also reads the instants our own sealed documents
 * hold, on the refresh's and the token read's hot path.
 */
public final class Timestamps {

    private Timestamps() {
    }

    /** The instant a native query's timestamp value stands for, or null for SQL NULL. */
    public static Instant toInstant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        throw new IllegalArgumentException("Not a timestamp: " + value.getClass().getName());
    }

    /**
     * {@link Instant#parse}, with the form {@link Instant#toString} writes ({@code 2026-12-05T17:40:00Z}, or with 3, 6
     * or 9 digits of fraction) read without {@code DateTimeFormatter}: every sealed document opened holds one, and the
     * formatter's general parse was 3 % of the service's CPU in the sealed-layout soak (BENCHMARKS.md). Anything else
     * (other years, offsets, a leap second, {@code 24:00:00}) goes to {@link Instant#parse}, which also throws its usual
     * exception for what is not an instant; an out-of-range field in the fast form throws
     * {@link java.time.DateTimeException} too.
     */
    public static Instant parseIso(String text) {
        int length = text.length();
        if (length < 20 || length > 30 || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-' || text.charAt(7) != '-'
                || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':'
                || (length > 20 && (text.charAt(19) != '.' || length == 21))) {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int nanos = length > 20 ? digits(text, 20, length - 1) : 0;
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || nanos < 0
                || second == 60 || hour == 24) {
            return Instant.parse(text);
        }
        // the fraction's digits (length - 21 of them when there is one) scaled to nanoseconds
        for (int scale = length > 20 ? length - 21 : 9; scale < 9; scale++) {
            nanos *= 10;
        }
        // LocalDateTime.of checks every field's range (February 30th throws as Instant.parse would)
        return LocalDateTime.of(year, month, day, hour, minute, second, nanos).toInstant(ZoneOffset.UTC);
    }

    /** The decimal number in {@code text[from, to)}, or -1 if a character is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** {@code instant} as the value JDBC binds to a {@code timestamptz} parameter. */
    public static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
