package dev.oauthrefresher.common;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import org.hibernate.exception.JDBCConnectionException;

/**
 * The one rule for "the database is down": a lost or refused connection, or no pooled connection in time, anywhere in
 * a failure's cause chain. Such a failure answers {@code database-unavailable} (503 with {@code Retry-After}): the
 * caller should simply come back. Any other SQL error is a bug or bad data that a retry cannot fix, and is no 503
 * (QStash, for one, would retry it for days).
 */
public final class DatabaseDown {

    /** Deeper cause chains are cut here; a chain that loops back on itself ends here too. */
    private static final int MAX_DEPTH = 32;

    private DatabaseDown() {
    }

    /** Whether {@code failure} is the database being unreachable. */
    public static boolean is(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_DEPTH; t = t.getCause(), depth++) {
            if (t instanceof JDBCConnectionException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && (isConnectionState(sql.getSQLState()) || isPoolTimeout(sql))) {
                return true;
            }
        }
        return false;
    }

    /** SQLSTATE class 08: connection exception (SQL standard; PostgreSQL's 08000-08P01). */
    private static boolean isConnectionState(String state) {
        return state != null && state.startsWith("08");
    }

    /** Agroal's "acquisition timeout" carries no SQLSTATE: the pool could not get a connection in time. */
    private static boolean isPoolTimeout(SQLException sql) {
        return sql.getSQLState() == null && sql.getMessage() != null
                && sql.getMessage().toLowerCase(Locale.ROOT).contains("acquisition timeout");
    }
}
