package dev.oauthrefresher.cron;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;

/** The {@code trigger_run} table: one row per triggered run (or fallback skip). Callers own the transaction. */
@ApplicationScoped
class TriggerRunRepository {

    /** A run row as a repeated message finds it: its id, its outcome, its stored summary (JSON) and its start. */
    record Earlier(UUID id, String outcome, String summary, Instant startedAt) {
    }

    private final EntityManager em;

    TriggerRunRepository(EntityManager em) {
        this.em = em;
    }

    /** Inserts a running run; false if a run for the same task and message id exists already. */
    boolean insertRunning(UUID id, String task, TriggerKind kind, Optional<String> messageId, Instant startedAt) {
        return em.createNativeQuery("""
                INSERT INTO trigger_run (id, task, trigger_kind, message_id, started_at, outcome)
                VALUES (:id, :task, :kind, :message, :now, 'running')
                ON CONFLICT (task, message_id) WHERE message_id IS NOT NULL DO NOTHING
                """).unwrap(NativeQuery.class)
                .setParameter("id", id).setParameter("task", task).setParameter("kind", kind.code())
                .setParameter("message", messageId.orElse(null), StandardBasicTypes.STRING).setParameter("now", startedAt)
                .executeUpdate() == 1;
    }

    /** The run of {@code task} for {@code messageId}, locked until the transaction ends. */
    @SuppressWarnings("unchecked")
    Earlier lockByMessage(String task, String messageId) {
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, outcome, CAST(summary AS text), started_at FROM trigger_run
                 WHERE task = :task AND message_id = :message FOR UPDATE
                """).setParameter("task", task).setParameter("message", messageId).getResultList();
        Object[] row = rows.get(0);
        return new Earlier((UUID) row[0], (String) row[1], (String) row[2], Timestamps.toInstant(row[3]));
    }

    /** An abandoned or failed run taken over by a retry of its message: running again from {@code now}. */
    void restart(UUID id, Instant now) {
        em.createNativeQuery("UPDATE trigger_run SET outcome = 'running', started_at = :now, finished_at = NULL WHERE id = :id")
                .setParameter("now", now).setParameter("id", id).executeUpdate();
    }

    void complete(UUID id, RunSummary summary, String summaryJson) {
        em.createNativeQuery("""
                UPDATE trigger_run
                   SET outcome = :outcome, finished_at = now(), selected = :selected, refreshed = :refreshed,
                       expired = :expired, errored = :errored, deferred = :deferred, skipped = :skipped,
                       remaining = :remaining, summary = CAST(:summary AS jsonb)
                 WHERE id = :id
                """).setParameter("outcome", summary.outcome()).setParameter("selected", summary.selected())
                .setParameter("refreshed", summary.refreshed())
                .setParameter("expired", summary.expired()).setParameter("errored", summary.errored())
                .setParameter("deferred", summary.deferred()).setParameter("skipped", summary.skipped())
                .setParameter("remaining", (int) Math.min(Integer.MAX_VALUE, Math.max(0, summary.remaining())))
                .setParameter("summary", summaryJson).setParameter("id", id).executeUpdate();
    }

    void fail(UUID id) {
        em.createNativeQuery("UPDATE trigger_run SET outcome = 'failed', finished_at = now() WHERE id = :id")
                .setParameter("id", id).executeUpdate();
    }

    /** Records that the fallback looked and found the external trigger alive. */
    void insertSkipped(String task) {
        em.createNativeQuery("""
                INSERT INTO trigger_run (id, task, trigger_kind, started_at, finished_at, outcome)
                VALUES (:id, :task, 'scheduler', now(), now(), 'skipped')
                """).setParameter("id", UUID.randomUUID()).setParameter("task", task).executeUpdate();
    }

    /** When an externally triggered run (QStash or CronJob) last completed, if ever. */
    Optional<Instant> lastExternalCompletion() {
        Object value = em.createNativeQuery("""
                SELECT max(finished_at) FROM trigger_run
                 WHERE trigger_kind IN ('qstash', 'bearer') AND outcome = 'completed'
                """).getSingleResult();
        return Optional.ofNullable(Timestamps.toInstant(value));
    }

    /** When each task's runs last completed, by any trigger. */
    Map<String, Instant> lastCompletionByTask() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                "SELECT task, max(finished_at) FROM trigger_run WHERE outcome = 'completed' GROUP BY task").getResultList();
        Map<String, Instant> last = new TreeMap<>();
        rows.forEach(row -> last.put((String) row[0], Timestamps.toInstant(row[1])));
        return last;
    }

    /**
     * Deletes up to {@code batch} runs that finished before {@code cutoff}, and runs a crash left {@code running} that
     * started before it (no run lasts that long); returns how many.
     */
    int deleteEndedBefore(Instant cutoff, int batch) {
        return em.createNativeQuery("""
                DELETE FROM trigger_run WHERE id IN (
                    SELECT id FROM trigger_run WHERE coalesce(finished_at, started_at) < :cutoff LIMIT :batch)
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }

    /** When the oldest run ended (or, left running, started). */
    Optional<Instant> oldestEnd() {
        return Optional.ofNullable(Timestamps.toInstant(em.createNativeQuery(
                "SELECT min(coalesce(finished_at, started_at)) FROM trigger_run").getSingleResult()));
    }
}
