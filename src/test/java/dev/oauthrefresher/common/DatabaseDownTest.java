package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.persistence.PersistenceException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletionException;
import org.hibernate.exception.GenericJDBCException;
import org.hibernate.exception.JDBCConnectionException;
import org.hibernate.exception.SQLGrammarException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/** The one rule for "the database is down", on the exceptions PostgreSQL's driver, Agroal and Hibernate raise. */
class DatabaseDownTest {

    @Test
    void shouldCallARefusedConnectionDown() {
        PSQLException refused = new PSQLException("Connection to 127.0.0.1:1 refused.", PSQLState.CONNECTION_UNABLE_TO_CONNECT);
        assertThat(DatabaseDown.is(refused)).isTrue();
        assertThat(DatabaseDown.is(new JDBCConnectionException("Unable to open JDBC Connection", refused))).isTrue();
    }

    @Test
    void shouldCallAConnectionLostMidStatementDown() {
        assertThat(DatabaseDown.is(new PSQLException("An I/O error occurred", PSQLState.CONNECTION_FAILURE))).isTrue();
        assertThat(DatabaseDown.is(new SQLTransientConnectionException("gone"))).isTrue();
        assertThat(DatabaseDown.is(new SQLNonTransientConnectionException("gone for good"))).isTrue();
    }

    @Test
    void shouldCallAPoolThatHadNoConnectionInTimeDown() {
        SQLException timeout = new SQLException("Sorry, acquisition timeout!");
        assertThat(DatabaseDown.is(timeout)).isTrue();
        assertThat(DatabaseDown.is(new CompletionException(new PersistenceException(
                new GenericJDBCException("Unable to acquire JDBC Connection", timeout))))).isTrue();
    }

    @Test
    void shouldNotCallASqlErrorThatARetryCannotFixDown() {
        PSQLException undefinedColumn = new PSQLException("column \"missing_column\" does not exist", PSQLState.UNDEFINED_COLUMN);
        assertThat(DatabaseDown.is(undefinedColumn)).isFalse();
        assertThat(DatabaseDown.is(new SQLGrammarException("could not prepare statement", undefinedColumn))).isFalse();
        assertThat(DatabaseDown.is(new SQLException("Sorry, acquisition timeout!", "53300"))).isFalse();
        assertThat(DatabaseDown.is(new IllegalStateException("bug"))).isFalse();
    }
}
