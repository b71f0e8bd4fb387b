package dev.oauthrefresher.cron;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.common.Traces;
import dev.oauthrefresher.drain.Drain;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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

    private final TriggerRunRepository runs;
    private final ObjectMapper json;
    private final Drain drain;
    private final TriggerMetrics metrics;
    private final CronConfig config;

    TriggerService(TriggerRunRepository runs, ObjectMapper json, Drain drain, TriggerMetrics metrics, CronConfig config) {
        this.runs = runs;
        this.json = json;
        this.drain = drain;
        this.metrics = metrics;
        this.config = config;
    }

    /** Tells the metrics when each task last completed, as {@code trigger_run} knows it from every replica. */
    void onStart(@Observes StartupEvent event) {
        try {
            QuarkusTransaction.requiringNew().run(() -> runs.lastCompletionByTask().forEach(metrics::completed));
        } catch (RuntimeException e) {
            // the database may be down at startup: the gauge then starts from this process's start
            LOG.warnf("Could not read when runs last completed: %s", e.getClass().getSimpleName());
        }
    }

    /**
     * Records and runs {@code task}. Blocking database work; call from a worker thread. The returned Uni fails
     * if the database is unreachable or the task fails, and with 503 (shutting-down) once a drain has begun.
     * Cancelling it stops the wait, never the run. Its span ends when the run does.
     */
    @WithSpan("cron.trigger")
    public Uni<Triggered> trigger(CronTask task, TriggerKind kind, Optional<String> messageId, RunRequest request) {
        SpanContext span = Span.current().setAttribute(Traces.TASK, task.name()).getSpanContext();
        // the run's log line names its trace, when tracing is on, so a slow run can be looked up in the trace backend
        String trace = span.isValid() ? ", trace " + span.getTraceId() : "";
        UUID runId = UUID.randomUUID();
        Instant started = Instant.now();
        // Counted before anything is claimed: a shutdown that began first refuses the run, one that begins later waits
        // for it until it is recorded.
        // (the same answer as CronResource's early check gives, which this one backs up)
        Drain.Ticket ticket = drain.tryEnter().orElseThrow(() -> new ProblemException(ProblemType.SHUTTING_DOWN,
                "This replica is shutting down; nothing was run. Try again.", config.retryAfter()));
        Claim claim;
        try {
            claim = QuarkusTransaction.requiringNew().call(() -> claimRun(runId, task, kind, messageId, started));
        } catch (RuntimeException e) {
            ticket.close();
            throw e;
        }
        if (claim.earlier().isPresent()) {
            ticket.close();
            return Uni.createFrom().item(claim.earlier().get());
        }
        UUID id = claim.id();
        Span.current().setAttribute(Traces.RUN_ID, id.toString());
        TaskRun run = new TaskRun(id, kind, request, started.plus(task.budget()));
        // deferred: a task that throws instead of failing its Uni still closes the ticket and is recorded as failed
        CompletableFuture<Triggered> running = Uni.createFrom().deferred(() -> task.run(run))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(result -> {
                    // a run that ended while draining was stopped early: what it did is recorded, the rest stays due
                    String outcome = drain.isDraining() ? "interrupted" : "completed";
                    RunSummary summary = RunSummary.of(id, task.name(), kind, outcome, result,
                            Duration.between(started, Instant.now()).toMillis());
                    QuarkusTransaction.requiringNew().run(() -> runs.complete(id, summary, writeSummary(summary)));
                    metrics.completed(task.name(), Instant.now());
                    LOG.infof("Run %s of %s (%s) completed in %d ms: selected %d, refreshed %d, expired %d, errored %d, "
                            + "deferred %d, skipped %d, remaining %d%s", id, task.name(), kind.code(), summary.durationMs(),
                            summary.selected(), summary.refreshed(), summary.expired(), summary.errored(),
                            summary.deferred(), summary.skipped(), summary.remaining(), trace);
                    if (drain.isDraining()) {
                        LOG.infof("Run %s of %s interrupted by shutdown: %d selected, %d refreshed, %d released unstarted",
                                id, task.name(), summary.selected(), summary.refreshed(), summary.skipped());
                    }
                    return (Triggered) new Triggered.Ran(summary);
                })
                .onTermination().invoke(ticket::close)
                .onFailure().invoke(e -> {
                    // Our own exceptions never carry a token: the full failure is what on-call needs.
                    LOG.errorf(e, "Run %s of %s failed%s", id, task.name(), trace);
                    try {
                        QuarkusTransaction.requiringNew().run(() -> runs.fail(id));
                    } catch (RuntimeException ignored) {
                        // the database is what failed; the row stays 'running' and a retry takes it over
                    }
                })
                // Subscribed here, once: the run is this service's, not its caller's. A caller that stops waiting
                // (QStash's or curl's timeout hangs up, the fallback's wait runs out) cancels only its own copy of the
                // result. Were the run subscribed by the request, a hang-up would cancel it: its drain ticket closed, the
                // run gone from those a shutdown stops and waits for, and its refreshes going on unrecorded.
                .subscribeAsCompletionStage();
        return Uni.createFrom().completionStage(running::copy);
    }

    /** Records that the fallback looked and found the external trigger alive. */
    public void recordSkipped(String task) {
        QuarkusTransaction.requiringNew().run(() -> runs.insertSkipped(task));
    }

    /** When an externally triggered run (QStash or CronJob) last completed, if ever. */
    public Optional<Instant> lastExternalCompletion() {
        return QuarkusTransaction.requiringNew().call(runs::lastExternalCompletion);
    }

    /**
     * Inserts the run, or for a message id seen before: the stored summary if that run completed, a marker if
     * it still runs, and a takeover (same id, running again) if it failed.
     */
    private record Claim(UUID id, Optional<Triggered> earlier) {
    }

    private Claim claimRun(UUID runId, CronTask task, TriggerKind kind, Optional<String> messageId, Instant now) {
        if (runs.insertRunning(runId, task.name(), kind, messageId, now)) {
            return new Claim(runId, Optional.empty());
        }
        TriggerRunRepository.Earlier earlier = runs.lockByMessage(task.name(), messageId.get());
        if ("completed".equals(earlier.outcome())) {
            return new Claim(earlier.id(), Optional.of(new Triggered.Ran(readSummary(earlier.summary()))));
        }
        // A run older than the task's abandonment age died with its replica: a retry takes it over.
        if ("running".equals(earlier.outcome()) && earlier.startedAt().isAfter(now.minus(task.abandonedAfter()))) {
            return new Claim(earlier.id(), Optional.of(new Triggered.AlreadyRunning(earlier.id())));
        }
        runs.restart(earlier.id(), now);
        return new Claim(earlier.id(), Optional.empty());
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
