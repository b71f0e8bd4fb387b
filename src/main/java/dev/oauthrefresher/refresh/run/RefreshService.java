package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.drain.Drain;
import dev.oauthrefresher.lease.LeaseKeeper;
import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.RefreshMetrics;
import dev.oauthrefresher.refresh.RunCircuits;
import dev.oauthrefresher.refresh.attempt.IntegrationRefresher;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.attempt.OutcomeWriter;
import dev.oauthrefresher.common.EventLoops;
import dev.oauthrefresher.cron.RunRequest;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import dev.oauthrefresher.integration.DueQuery;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.tenant.TenantRepository;
import dev.oauthrefresher.tokenstore.VaultBudget;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Runs the refresh pipeline: a triggered run over every due integration, a dry run that only reports, and
 * the admin API's manual refresh of one integration through the same per-integration code path. Every row it
 * claims is held in the {@link LeaseKeeper} (its lease renewed) until its outcome is recorded or it is released.
 */
@ApplicationScoped
public class RefreshService {

    private static final int DRY_RUN_SAMPLE = 1000;

    private final IntegrationRepository integrations;
    private final TenantRepository tenants;
    private final IntegrationRefresher refresher;
    private final OutcomeWriter writer;
    private final LeaseKeeper leases;
    private final RefreshMetrics metrics;
    private final RefreshConfig config;
    private final Drain drain;
    private final EventLoops eventLoops;
    private final VaultBudget budget;
    private final Set<RefreshRun> active = ConcurrentHashMap.newKeySet();

    RefreshService(IntegrationRepository integrations, TenantRepository tenants, IntegrationRefresher refresher,
            OutcomeWriter writer, LeaseKeeper leases, RefreshMetrics metrics, RefreshConfig config, Drain drain,
            EventLoops eventLoops, VaultBudget budget) {
        this.integrations = integrations;
        this.tenants = tenants;
        this.refresher = refresher;
        this.writer = writer;
        this.leases = leases;
        this.metrics = metrics;
        this.config = config;
        this.drain = drain;
        this.eventLoops = eventLoops;
        this.budget = budget;
    }

    /** A triggered run; never blocks the caller's thread. */
    public Uni<TaskResult> run(TaskRun run, String taskName) {
        DueQuery query = dueQuery(run.request(), Instant.now());
        int limit = run.request().limit() == null ? Integer.MAX_VALUE : run.request().limit();
        Instant started = Instant.now();
        Uni<TaskResult> result = run.request().isDryRun()
                ? Uni.createFrom().item(() -> dryRun(query.withLimit(Math.min(limit, DRY_RUN_SAMPLE), Set.of())))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                : Uni.createFrom().item(() -> QuarkusTransaction.requiringNew().call(tenants::concurrencyCaps))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .chain(caps -> start(new RefreshRun(new RunContext(run.runId(), owner(run.runId()),
                                new RunCircuits(config.providerCircuit()), query, run.deadline(), limit,
                                RunContext.Capacity.of(config, caps)), new DatabaseSteps(), RefreshRun.Env.production(eventLoops),
                                new VaultBacklog(run.runId(), budget::requestsPerSecond, config.vaultBacklogHorizon()))));
        return result.invoke(r -> metrics.run(taskName, Duration.between(started, Instant.now())));
    }

    /** Runs {@code run}, known to {@link #stopTakingWork} until it ends; one that starts during a drain stops at once. */
    private Uni<TaskResult> start(RefreshRun run) {
        active.add(run);
        if (drain.isDraining()) {
            run.stopTakingWork();
        }
        return run.start().onTermination().invoke(() -> active.remove(run));
    }

    /** A graceful shutdown: every run stops taking work; refreshes in flight finish and are recorded. */
    void stopTakingWork() {
        active.forEach(RefreshRun::stopTakingWork);
    }

    /** Runs still going. */
    int activeRuns() {
        return active.size();
    }

    /** What a run would claim now, by tenant and provider, changing nothing. */
    private TaskResult dryRun(DueQuery query) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Integration> due = integrations.peekDue(query);
            long total = integrations.countDue(query.withLimit(1, Set.of()));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("dryRun", true);
            details.put("byTenant", due.stream().collect(Collectors.groupingBy(Integration::tenantId, TreeMap::new, Collectors.counting())));
            details.put("byProvider", due.stream().collect(Collectors.groupingBy(i -> i.provider().code(), TreeMap::new, Collectors.counting())));
            return new TaskResult(due.size(), 0, 0, 0, 0, 0, total, details);
        });
    }

    /**
     * The outcome of one manual refresh, for the admin API: {@code attemptId} is the {@code run_id} of its
     * {@code refresh_attempt} row; {@code outcome} is {@link #IN_PROGRESS} when the answer was not awaited.
     */
    // answered inside a Response, which hides the type from Quarkus' own reflection registration (native)
    @RegisterForReflection
    public record ManualRefresh(UUID attemptId, String outcome, IntegrationView integration) {
    }

    /** The outcome of a manual refresh that is still running. */
    public static final String IN_PROGRESS = "in_progress";

    /**
     * Refreshes one integration now, whatever its expiry, through the same path as a run. Fails with 404 if it
     * does not exist, 409 if it is not active, its tenant is paused, a rotation is pending or a run holds it, 503
     * while the process shuts down. Blocking steps run on worker threads.
     */
    public Uni<ManualRefresh> refreshNow(String tenantId, UUID id) {
        return refreshNow(tenantId, id, UUID.randomUUID());
    }

    /**
     * {@link #refreshNow} that waits at most {@code wait} for the outcome: past it the answer is
     * {@link #IN_PROGRESS} with the attempt's id, and the refresh goes on to its end (cancelling it could drop a
     * rotated refresh token). Claim failures (404, 409, 503) still fail the returned Uni.
     */
    public Uni<ManualRefresh> refreshWithin(String tenantId, UUID id, Duration wait) {
        UUID attemptId = UUID.randomUUID();
        // subscribed here, once: the caller's timeout below cancels only its own copy of the future
        CompletableFuture<ManualRefresh> running = refreshNow(tenantId, id, attemptId).subscribeAsCompletionStage();
        return Uni.createFrom().completionStage(running.copy())
                .ifNoItem().after(wait).recoverWithUni(() -> Uni.createFrom().item(() -> QuarkusTransaction.requiringNew()
                        .call(() -> new ManualRefresh(attemptId, IN_PROGRESS, IntegrationView.of(integrations.findById(id)))))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
    }

    private Uni<ManualRefresh> refreshNow(String tenantId, UUID id, UUID runId) {
        String owner = owner(runId);
        Instant now = Instant.now();
        return Uni.createFrom().item(() -> {
            if (drain.isDraining()) {
                throw new ProblemException(ProblemType.SHUTTING_DOWN,
                        "This replica is shutting down; try again.");
            }
            return QuarkusTransaction.requiringNew().call(() -> {
                Integration existing = integrations.findForTenant(tenantId, id).orElseThrow(
                        () -> ProblemException.notFound("Integration " + id + " does not exist for tenant '" + tenantId + "'."));
                return integrations.claimOne(existing.id(), owner, now, now.plus(config.lease())).orElseThrow(
                        () -> ProblemException.conflict("Integration " + id + " cannot be refreshed now: it is "
                                + existing.status().code() + ", its tenant is paused, a rotated token is still pending, "
                                + "or a run is refreshing it."));
            });
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(row -> refreshLeased(ClaimedIntegration.of(row), owner, runId, now.plus(config.lease())))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(settled -> QuarkusTransaction.requiringNew().call(
                        () -> new ManualRefresh(runId, settled.outcome().kind(), IntegrationView.of(integrations.findById(id)))));
    }

    /** One row's outcome and whether its guarded write applied. */
    public record Settled(Outcome outcome, OutcomeWriter.Written written) {
    }

    /**
     * Refreshes one row this process has just leased outside a run (a manual refresh, an on-demand access token)
     * exactly as a run does: the {@link LeaseKeeper} renews its lease until the outcome is recorded, and a
     * shutdown's drain waits for it. The one single-row refresh path.
     */
    public Uni<Settled> refreshLeased(ClaimedIntegration row, String owner, UUID runId, Instant leaseUntil) {
        Drain.Ticket ticket = drain.enter();
        leases.hold(row.id(), owner, leaseUntil);
        Instant started = Instant.now();
        return refresher.refresh(row, new RunCircuits(config.providerCircuit()), owner, runId)
                .chain(outcome -> writer.write(row, owner, runId, outcome, started, Instant.now())
                        .map(written -> new Settled(outcome, written)))
                .invoke(settled -> settled(row, settled.outcome()))
                // an unrecorded outcome: the lease lapses and the row is retried, so stop renewing it
                .onFailure().invoke(e -> leases.forget(row.id()))
                .onTermination().invoke(ticket::close);
    }

    /** The row's outcome is recorded: its lease is no longer ours to renew, unless a rotation is still pending. */
    private void settled(ClaimedIntegration row, Outcome outcome) {
        if (!(outcome instanceof Outcome.RotationPending)) {
            leases.forget(row.id());
        }
    }

    private DueQuery dueQuery(RunRequest request, Instant now) {
        return new DueQuery(now, config.leadTime(), config.keepAliveAge(), Optional.ofNullable(request.tenant()),
                Optional.ofNullable(request.provider()).map(Provider::fromCode), Optional.ofNullable(request.providerGroup()),
                config.batchSize());
    }

    private static String owner(UUID runId) {
        return LeaseKeeper.HOST + "/" + runId;
    }

    /** The run's database steps, each in its own transaction; every claimed row is held until it settles. */
    private final class DatabaseSteps implements RefreshRun.Steps {

        private final Duration worstCase = refresher.worstCase();

        @Override
        public List<ClaimedIntegration> claim(DueQuery query, String owner, Instant leaseUntil) {
            List<ClaimedIntegration> rows = QuarkusTransaction.requiringNew().call(() -> integrations.claimDueForRefresh(query, owner, leaseUntil)
                    .stream().map(ClaimedIntegration::of).toList());
            rows.forEach(row -> leases.hold(row.id(), owner, leaseUntil));
            return rows;
        }

        @Override
        public int release(List<UUID> ids, String owner) {
            leases.forget(ids);
            return QuarkusTransaction.requiringNew().call(() -> integrations.release(ids, owner));
        }

        @Override
        public long countDue(DueQuery query) {
            return QuarkusTransaction.requiringNew().call(() -> integrations.countDue(query));
        }

        @Override
        public boolean mayStart(ClaimedIntegration row) {
            return leases.leaseUntil(row.id()).map(until -> Duration.between(Instant.now(), until).compareTo(worstCase) > 0)
                    .orElse(false);
        }

        @Override
        public Uni<Outcome> refresh(ClaimedIntegration row, RunContext run) {
            return refresher.refresh(row, run.circuits(), run.owner(), run.runId());
        }

        @Override
        public Uni<OutcomeWriter.Written> write(ClaimedIntegration row, RunContext run, Outcome outcome,
                Instant startedAt, Instant finishedAt) {
            return writer.write(row, run.owner(), run.runId(), outcome, startedAt, finishedAt)
                    .onTermination().invoke(() -> settled(row, outcome));
        }
    }
}
