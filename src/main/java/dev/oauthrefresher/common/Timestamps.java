package dev.oauthrefresher.common;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Native queries hand back {@code timestamptz} values in driver- and version-dependent types; this reads them all,
 * and gives JDBC the type the driver binds as {@code timestamptz}.
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

    /** {@code instant} as the value JDBC binds to a {@code timestamptz} parameter. */
    public static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
