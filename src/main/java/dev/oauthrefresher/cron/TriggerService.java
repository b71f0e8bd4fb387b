package dev.oauthrefresher.cron;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.refresh.RefreshConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;
import org.jboss.logging.Logger;

/**
 * Runs a registered task once per trigger and records it in {@code trigger_run}. A repeated QStash message id
 * gets the completed run's summary back instead of a second run.
 */
@ApplicationScoped
public class TriggerService {

    private static final Logger LOG = Logger.getLogger(TriggerService.class);

    /** How a trigger ended: a summary to send, or a run of the same message still going. */
    public sealed interface Triggered {
        record Ran(RunSummary summary) implements Triggered {
        }

        record AlreadyRunning(UUID runId) implements Triggered {
        }
    }

    private final EntityManager em;
    private final ObjectMapper json;
    private final RefreshConfig refreshConfig;
    private final TriggerMetrics metrics;

    TriggerService(EntityManager em, ObjectMapper json, RefreshConfig refreshConfig, TriggerMetrics metrics) {
        this.em = em;
        this.json = json;
        this.refreshConfig = refreshConfig;
        this.metrics = metrics;
    }

    /** Tells the metrics when each task last completed, as {@code trigger_run} knows it from every replica. */
    void onStart(@Observes StartupEvent event) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                @SuppressWarnings("unchecked")
                List<Object[]> rows = em.createNativeQuery(
                        "SELECT task, max(finished_at) FROM trigger_run WHERE outcome = 'completed' GROUP BY task")
                        .getResultList();
                rows.forEach(row -> metrics.completed((String) row[0], Timestamps.toInstant(row[1])));
            });
        } catch (RuntimeException e) {
            // the database may be down at startup: the gauge then starts from this process's start
            LOG.warnf("Could not read when runs last completed: %s", e.getClass().getSimpleName());
        }
    }

    /**
     * Records and runs {@code task}. Blocking database work; call from a worker thread. The returned Uni fails
     * if the database is unreachable or the task fails.
     */
    public Uni<Triggered> trigger(CronTask task, TriggerKind kind, Optional<String> messageId, RunRequest request) {
        UUID runId = UUID.randomUUID();
        Instant started = Instant.now();
        Claim claim = QuarkusTransaction.requiringNew().call(() -> claimRun(runId, task.name(), kind, messageId, started));
        if (claim.earlier().isPresent()) {
            return Uni.createFrom().item(claim.earlier().get());
        }
        UUID id = claim.id();
        TaskRun run = new TaskRun(id, kind, request, started.plus(refreshConfig.runBudget()));
        return task.run(run)
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(result -> {
                    RunSummary summary = RunSummary.of(id, task.name(), kind, result,
                            Duration.between(started, Instant.now()).toMillis());
                    QuarkusTransaction.requiringNew().run(() -> complete(id, summary));
                    metrics.completed(task.name(), Instant.now());
                    LOG.infof("Run %s of %s (%s) completed in %d ms: selected %d, refreshed %d, expired %d, errored %d, "
                            + "deferred %d, skipped %d, remaining %d", id, task.name(), kind.code(), summary.durationMs(),
                            summary.selected(), summary.refreshed(), summary.expired(), summary.errored(),
                            summary.deferred(), summary.skipped(), summary.remaining());
                    return (Triggered) new Triggered.Ran(summary);
                })
                .onFailure().invoke(e -> {
                    // Our own exceptions never carry a token: the full failure is what on-call needs.
                    LOG.errorf(e, "Run %s of %s failed", id, task.name());
                    try {
                        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                                "UPDATE trigger_run SET outcome = 'failed', finished_at = now() WHERE id = :id")
                                .setParameter("id", id).executeUpdate());
                    } catch (RuntimeException ignored) {
                        // the database is what failed; the row stays 'running' and a retry takes it over
                    }
                });
    }

    /** Records that the fallback looked and found the external trigger alive. */
    public void recordSkipped(String task) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                INSERT INTO trigger_run (id, task, trigger_kind, started_at, finished_at, outcome)
                VALUES (:id, :task, 'scheduler', now(), now(), 'skipped')
                """).setParameter("id", UUID.randomUUID()).setParameter("task", task).executeUpdate());
    }

    /** When an externally triggered run (QStash or CronJob) last completed, if ever. */
    public Optional<Instant> lastExternalCompletion() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Object value = em.createNativeQuery("""
                    SELECT max(finished_at) FROM trigger_run
                     WHERE trigger_kind IN ('qstash', 'bearer') AND outcome = 'completed'
                    """).getSingleResult();
            return Optional.ofNullable(Timestamps.toInstant(value));
        });
    }

    /**
     * Inserts the run, or for a message id seen before: the stored summary if that run completed, a marker if
     * it still runs, and a takeover (same id, running again) if it failed.
     */
    private record Claim(UUID id, Optional<Triggered> earlier) {
    }

    private Claim claimRun(UUID runId, String task, TriggerKind kind, Optional<String> messageId, Instant now) {
        int inserted = em.createNativeQuery("""
                INSERT INTO trigger_run (id, task, trigger_kind, message_id, started_at, outcome)
                VALUES (:id, :task, :kind, :message, :now, 'running')
                ON CONFLICT (task, message_id) WHERE message_id IS NOT NULL DO NOTHING
                """).unwrap(NativeQuery.class)
                .setParameter("id", runId).setParameter("task", task).setParameter("kind", kind.code())
                .setParameter("message", messageId.orElse(null), StandardBasicTypes.STRING).setParameter("now", now)
                .executeUpdate();
        if (inserted == 1) {
            return new Claim(runId, Optional.empty());
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, outcome, CAST(summary AS text), started_at FROM trigger_run
                 WHERE task = :task AND message_id = :message FOR UPDATE
                """).setParameter("task", task).setParameter("message", messageId.get()).getResultList();
        Object[] row = rows.get(0);
        UUID earlierId = (UUID) row[0];
        String outcome = (String) row[1];
        if ("completed".equals(outcome)) {
            return new Claim(earlierId, Optional.of(new Triggered.Ran(readSummary((String) row[2]))));
        }
        // A run older than its lease and budget died with its replica: a retry takes it over.
        Duration abandonedAfter = refreshConfig.lease().compareTo(refreshConfig.runBudget()) > 0
                ? refreshConfig.lease() : refreshConfig.runBudget();
        if ("running".equals(outcome) && Timestamps.toInstant(row[3]).isAfter(now.minus(abandonedAfter))) {
            return new Claim(earlierId, Optional.of(new Triggered.AlreadyRunning(earlierId)));
        }
        em.createNativeQuery("UPDATE trigger_run SET outcome = 'running', started_at = :now, finished_at = NULL WHERE id = :id")
                .setParameter("now", now).setParameter("id", earlierId).executeUpdate();
        return new Claim(earlierId, Optional.empty());
    }

    private void complete(UUID id, RunSummary summary) {
        em.createNativeQuery("""
                UPDATE trigger_run
                   SET outcome = 'completed', finished_at = now(), selected = :selected, refreshed = :refreshed,
                       expired = :expired, errored = :errored, deferred = :deferred, skipped = :skipped,
                       remaining = :remaining, summary = CAST(:summary AS jsonb)
                 WHERE id = :id
                """).setParameter("selected", summary.selected()).setParameter("refreshed", summary.refreshed())
                .setParameter("expired", summary.expired()).setParameter("errored", summary.errored())
                .setParameter("deferred", summary.deferred()).setParameter("skipped", summary.skipped())
                .setParameter("remaining", (int) Math.min(Integer.MAX_VALUE, Math.max(0, summary.remaining())))
                .setParameter("summary", writeSummary(summary)).setParameter("id", id).executeUpdate();
    }

    private String writeSummary(RunSummary summary) {
        try {
            return json.writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A run summary is plain data and always serializes", e);
        }
    }

    private RunSummary readSummary(String text) {
        try {
            return json.readValue(text, RunSummary.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Stored run summary is unreadable", e);
        }
    }
}
