package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.integration.IntegrationStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.Session;

/**
 * The refresh outcomes' writes to {@code integration}: each lands only while the writer still holds the row's lease,
 * and each releases it. A status moves only from {@code active}, and to {@code error} only after the failure rule holds,
 * so an outage never flips rows. Callers own the transaction.
 */
@ApplicationScoped
public class OutcomeRepository {

    private final EntityManager em;

    OutcomeRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * One row's refresh to record: the row, the lease owner it must still have, the new expiry, when, and the new access
     * token sealed for the row ({@code AccessTokenSeal}, bound to {@code newExpiry} and {@code now}).
     */
    public record RefreshedRow(UUID id, String owner, Instant newExpiry, Instant now, byte[] accessTokenSealed) {

        @Override
        public String toString() {
            return "RefreshedRow[" + id + ", owner " + owner + ", expiry " + newExpiry + "]";
        }
    }

    /**
     * Refreshes succeeded: new expiry and the new access token sealed beside it, failures forgotten, lease released; for many rows as one JDBC batch (one
     * round trip, one statement PostgreSQL prepares once, instead of a query per row that Hibernate builds and
     * PostgreSQL plans anew). Element {@code i} is false if row {@code i} was no longer active and ours.
     */
    public boolean[] markAllRefreshed(List<RefreshedRow> rows) {
        return em.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE integration
                       SET access_token_expires_at = ?, access_token_sealed = ?, last_refreshed_at = ?, last_attempt_at = ?,
                           next_attempt_at = NULL, consecutive_failures = 0, first_failure_at = NULL,
                           last_error_code = NULL, last_error_message = NULL,
                           lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = ?
                     WHERE id = ? AND status = 'active' AND lease_owner = ?
                    """)) {
                for (RefreshedRow row : rows) {
                    OffsetDateTime now = Timestamps.utc(row.now());
                    update.setObject(1, Timestamps.utc(row.newExpiry()));
                    update.setBytes(2, row.accessTokenSealed());
                    update.setObject(3, now);
                    update.setObject(4, now);
                    update.setObject(5, now);
                    update.setObject(6, row.id());
                    update.setString(7, row.owner());
                    update.addBatch();
                }
                int[] counts = update.executeBatch();
                boolean[] applied = new boolean[counts.length];
                for (int i = 0; i < counts.length; i++) {
                    applied[i] = counts[i] == 1;
                }
                return applied;
            }
        });
    }

    /** The grant is dead: {@code active → expired}. False if the row was not active or not ours. */
    public boolean markExpired(UUID id, String owner, String code, String message, Instant now) {
        return leaveActive(IntegrationStatus.EXPIRED, id, owner, code, message, now);
    }

    /** The integration cannot be refreshed without an operator: {@code active → error}. */
    public boolean markError(UUID id, String owner, String code, String message, Instant now) {
        return leaveActive(IntegrationStatus.ERROR, id, owner, code, message, now);
    }

    private boolean leaveActive(IntegrationStatus to, UUID id, String owner, String code, String message, Instant now) {
        return execute("""
                UPDATE integration
                   SET status = :to, status_version = status_version + 1, last_attempt_at = :now, last_error_code = :code,
                       last_error_message = :message, next_attempt_at = NULL,
                       lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now
                 WHERE id = :id AND status = 'active' AND lease_owner = :owner
                """, Map.of("to", to.code(), "id", id, "owner", owner, "code", code, "message", message, "now", now)) == 1;
    }

    /**
     * A transient failure: one more consecutive failure and a backoff until {@code nextAttemptAt}. The row
     * moves to {@code error} only when this failure is at least the {@code errorAfterFailures}-th in a row
     * and the first of them is older than {@code errorIfFailingSince}; both must hold, so a short burst
     * outage cannot flip integrations. Returns the resulting status, or empty if the row was not ours.
     */
    public Optional<IntegrationStatus> recordTransientFailure(UUID id, String owner, String code, String message,
            Instant nextAttemptAt, int errorAfterFailures, Instant errorIfFailingSince, Instant now) {
        @SuppressWarnings("unchecked")
        List<String> status = em.createNativeQuery("""
                UPDATE integration
                   SET consecutive_failures = consecutive_failures + 1,
                       first_failure_at = COALESCE(first_failure_at, :now),
                       status = CASE WHEN consecutive_failures + 1 >= :maxFailures
                                      AND COALESCE(first_failure_at, :now) <= :failingSince
                                     THEN 'error' ELSE status END,
                       status_version = status_version + CASE WHEN consecutive_failures + 1 >= :maxFailures
                                      AND COALESCE(first_failure_at, :now) <= :failingSince THEN 1 ELSE 0 END,
                       next_attempt_at = :next, last_attempt_at = :now,
                       last_error_code = :code, last_error_message = :message,
                       lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now
                 WHERE id = :id AND status = 'active' AND lease_owner = :owner
                RETURNING status
                """)
                .setParameter("id", id).setParameter("owner", owner).setParameter("code", code)
                .setParameter("message", message).setParameter("next", nextAttemptAt)
                .setParameter("maxFailures", errorAfterFailures).setParameter("failingSince", errorIfFailingSince)
                .setParameter("now", now)
                .getResultList();
        return status.stream().findFirst().map(IntegrationStatus::fromCode);
    }

    private int execute(String sql, Map<String, Object> params) {
        Query q = em.createNativeQuery(sql);
        params.forEach(q::setParameter);
        return q.executeUpdate();
    }
}
