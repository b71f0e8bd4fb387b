package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.hibernate.Session;

/** The {@code refresh_attempt} table: one row per refresh attempt, kept for the retention. Callers own the transaction. */
@ApplicationScoped
class AttemptRepository {

    private final EntityManager em;

    AttemptRepository(EntityManager em) {
        this.em = em;
    }

    /** One attempt: what was tried for which row in which run, how it ended and what the provider answered. */
    record Attempt(UUID integrationId, String tenantId, UUID runId, Instant startedAt, Instant finishedAt,
            String outcome, OptionalInt providerStatus, String errorCode, String note) {
    }

    /** Inserts the attempts as one JDBC batch: one round trip, one statement PostgreSQL prepares once. */
    void insertAll(List<Attempt> batch) {
        if (batch.isEmpty()) {
            return;
        }
        em.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO refresh_attempt (integration_id, tenant_id, run_id, started_at, finished_at, outcome,
                                                 provider_status, error_code, duration_ms, note)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)) {
                for (Attempt a : batch) {
                    insert.setObject(1, a.integrationId());
                    insert.setString(2, a.tenantId());
                    insert.setObject(3, a.runId());
                    insert.setObject(4, Timestamps.utc(a.startedAt()));
                    insert.setObject(5, Timestamps.utc(a.finishedAt()));
                    insert.setString(6, a.outcome());
                    if (a.providerStatus().isPresent()) {
                        insert.setInt(7, a.providerStatus().getAsInt());
                    } else {
                        insert.setNull(7, Types.INTEGER);
                    }
                    insert.setString(8, a.errorCode());
                    insert.setInt(9, (int) Math.min(Integer.MAX_VALUE, Duration.between(a.startedAt(), a.finishedAt()).toMillis()));
                    insert.setString(10, a.note());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        });
    }

    /** Deletes up to {@code batch} attempts started before {@code cutoff}; returns how many went. */
    int deleteOlderThan(Instant cutoff, int batch) {
        return em.createNativeQuery("""
                DELETE FROM refresh_attempt WHERE id IN (
                    SELECT id FROM refresh_attempt WHERE started_at < :cutoff LIMIT :batch)
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }

    /** When the oldest attempt kept started. */
    Optional<Instant> oldestStart() {
        return Optional.ofNullable(Timestamps.toInstant(
                em.createNativeQuery("SELECT min(started_at) FROM refresh_attempt").getSingleResult()));
    }
}
