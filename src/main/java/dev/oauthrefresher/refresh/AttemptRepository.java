package dev.oauthrefresher.refresh;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;

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

    void insert(Attempt a) {
        em.createNativeQuery("""
                INSERT INTO refresh_attempt (integration_id, tenant_id, run_id, started_at, finished_at, outcome,
                                             provider_status, error_code, duration_ms, note)
                VALUES (:integration, :tenant, :run, :started, :finished, :outcome, :status, :code, :duration, :note)
                """)
                .setParameter("integration", a.integrationId())
                .setParameter("tenant", a.tenantId())
                .setParameter("run", a.runId())
                .setParameter("started", a.startedAt())
                .setParameter("finished", a.finishedAt())
                .setParameter("outcome", a.outcome())
                .unwrap(NativeQuery.class)
                .setParameter("status", a.providerStatus().isPresent() ? a.providerStatus().getAsInt() : null,
                        StandardBasicTypes.INTEGER)
                .setParameter("code", a.errorCode(), StandardBasicTypes.STRING)
                .setParameter("note", a.note(), StandardBasicTypes.STRING)
                .setParameter("duration", (int) Math.min(Integer.MAX_VALUE,
                        Duration.between(a.startedAt(), a.finishedAt()).toMillis()))
                .executeUpdate();
    }

    /** Deletes up to {@code batch} attempts started before {@code cutoff}; returns how many went. */
    int deleteOlderThan(Instant cutoff, int batch) {
        return em.createNativeQuery("""
                DELETE FROM refresh_attempt WHERE id IN (
                    SELECT id FROM refresh_attempt WHERE started_at < :cutoff LIMIT :batch)
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }
}
