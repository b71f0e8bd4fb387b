package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.refresh.attempt.RefreshMetrics;
import dev.oauthrefresher.lease.DueQuery;
import dev.oauthrefresher.drain.Drain;
import dev.oauthrefresher.lease.Lease;
import dev.oauthrefresher.lease.LeaseOwner;
import dev.oauthrefresher.lease.LeaseRepository;
import dev.oauthrefresher.lease.Leases;
import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.RunCircuits;
import dev.oauthrefresher.refresh.attempt.IntegrationRefresher;
import dev.oauthrefresher.refresh.attempt.LeasedRefresh;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.attempt.OutcomeWriter;
import dev.oauthrefresher.common.EventLoops;
import dev.oauthrefresher.common.Traces;
import dev.oauthrefresher.cron.RunRequest;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.tenant.TenantRepository;
import dev.oauthrefresher.tokenstore.VaultBudget;
import dev.oauthrefresher.tokenstore.VaultPriority;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.annotations.WithSpan;
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
 * claims comes with a {@link Lease}, renewed until its outcome is recorded or it is released.
 */
@ApplicationScoped
public class RefreshService {

    /** Most rows a dry run lists: part of the API's answer (a sample, not a claim), so a constant, not a setting. */
    private static final int DRY_RUN_SAMPLE = 1000;

    private final IntegrationRepository integrations;
    private final TenantRepository tenants;
    private final IntegrationRefresher refresher;
    private final OutcomeWriter writer;
    private final Leases leases;
    private final LeasedRefresh leasedRefresh;
    private final RefreshMetrics metrics;
    private final RefreshConfig config;
    private final Drain drain;
    private final EventLoops eventLoops;
    private final VaultBudget budget;
    private final AuditLog audit;
    private final Set<RefreshRun> active = ConcurrentHashMap.newKeySet();

    RefreshService(IntegrationRepository integrations, TenantRepository tenants, IntegrationRefresher refresher,
            OutcomeWriter writer, Leases leases, RefreshMetrics metrics, RefreshConfig config, Drain drain,
            EventLoops eventLoops, VaultBudget budget, LeasedRefresh leasedRefresh, AuditLog audit) {
        this.integrations = integrations;
        this.tenants = tenants;
        this.refresher = refresher;
        this.writer = writer;
        this.leases = leases;
        this.leasedRefresh = leasedRefresh;
        this.metrics = metrics;
        this.config = config;
        this.drain = drain;
        this.eventLoops = eventLoops;
        this.budget = budget;
        this.audit = audit;
    }

    /** A triggered run; never blocks the caller's thread. Its span ends with the run; each refresh is its child. */
    @WithSpan("refresh.run")
    public Uni<TaskResult> run(TaskRun run, String taskName) {
        Span.current().setAttribute(Traces.RUN_ID, run.runId().toString()).setAttribute(Traces.TASK, taskName);
        Context trace = Context.current();
        DueQuery query = dueQuery(run.request(), Instant.now());
        int limit = run.request().limit() == null ? Integer.MAX_VALUE : run.request().limit();
        Instant started = Instant.now();
        Uni<TaskResult> result = run.request().isDryRun()
                ? Uni.createFrom().item(() -> dryRun(query.withLimit(Math.min(limit, DRY_RUN_SAMPLE), Set.of())))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                : Uni.createFrom().item(() -> QuarkusTransaction.requiringNew().call(tenants::concurrencyCaps))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .chain(caps -> start(new RefreshRun(new RunContext(run.runId(),
                                leases.owner(LeaseOwner.Purpose.RUN, run.runId()).toString(),
                                new RunCircuits(config.providerCircuit()), query, run.deadline(), limit,
                                RunContext.Capacity.of(config, caps)), new DatabaseSteps(leases.owner(LeaseOwner.Purpose.RUN, run.runId()), trace), RefreshRun.Env.production(eventLoops),
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
        List<Integration> due = leases.peekDue(query);
        long total = leases.countDue(query.withLimit(1, Set.of()));
        Map<String, Object> details = new LinkedHashMap<>();
            details.put("dryRun", true);
            details.put("byTenant", due.stream().collect(Collectors.groupingBy(Integration::tenantId, TreeMap::new, Collectors.counting())));
            details.put("byProvider", due.stream().collect(Collectors.groupingBy(i -> i.provider().code(), TreeMap::new, Collectors.counting())));
        return new TaskResult(due.size(), 0, 0, 0, 0, 0, total, details);
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
        return refreshNow(tenantId, id, UUID.randomUUID(), audit.currentActor());
    }

    /**
     * {@link #refreshNow} that waits at most {@code wait} for the outcome: past it the answer is
     * {@link #IN_PROGRESS} with the attempt's id, and the refresh goes on to its end (cancelling it could drop a
     * rotated refresh token). Claim failures (404, 409, 503) still fail the returned Uni.
     */
    public Uni<ManualRefresh> refreshWithin(String tenantId, UUID id, Duration wait) {
        UUID attemptId = UUID.randomUUID();
        // the caller, read now on the request's thread: the claim and its audit row are written on a worker thread
        String actor = audit.currentActor();
        // subscribed here, once: the caller's timeout below cancels only its own copy of the future
        CompletableFuture<ManualRefresh> running = refreshNow(tenantId, id, attemptId, actor).subscribeAsCompletionStage();
        return Uni.createFrom().completionStage(running.copy())
                .ifNoItem().after(wait).recoverWithUni(() -> Uni.createFrom().item(() -> QuarkusTransaction.requiringNew()
                        .call(() -> new ManualRefresh(attemptId, IN_PROGRESS, IntegrationView.of(integrations.findById(id)))))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
    }

    /**
     * The claim, then its audit row ({@code integration.refresh}, naming the attempt) before the refresh starts: a
     * refresh no audit row records is not started (the lease is released and the caller gets the failure).
     */
    private Uni<ManualRefresh> refreshNow(String tenantId, UUID id, UUID runId, String actor) {
        LeaseOwner owner = leases.owner(LeaseOwner.Purpose.REFRESH, runId);
        return Uni.createFrom().item(() -> {
            if (drain.isDraining()) {
                throw new ProblemException(ProblemType.SHUTTING_DOWN,
                        "This replica is shutting down; try again.");
            }
            Integration existing = QuarkusTransaction.requiringNew().call(() -> integrations.findForTenant(tenantId, id)).orElseThrow(
                    () -> ProblemException.notFound("Integration " + id + " does not exist for tenant '" + tenantId + "'."));
            Leases.Claim claim = leases.claim(existing.id(), LeaseRepository.Terms.REFRESH, owner).orElseThrow(
                        () -> ProblemException.conflict("Integration " + id + " cannot be refreshed now: it is "
                                + existing.status().code() + ", its tenant is paused, a rotated token is still pending, "
                                + "or a run is refreshing it."));
            try {
                QuarkusTransaction.requiringNew().run(
                        () -> audit.recordAs(actor, "integration.refresh", tenantId, id, "attempt " + runId));
            } catch (RuntimeException e) {
                leases.release(claim.lease());
                throw e;
            }
            return claim;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(claim -> leasedRefresh.refresh(ClaimedIntegration.of(claim.row()), claim.lease(), runId))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(settled -> QuarkusTransaction.requiringNew().call(
                        () -> new ManualRefresh(runId, settled.outcome().kind(), IntegrationView.of(integrations.findById(id)))));
    }

    private DueQuery dueQuery(RunRequest request, Instant now) {
        return new DueQuery(now, config.leadTime(), config.keepAliveAge(), Optional.ofNullable(request.tenant()),
                Optional.ofNullable(request.provider()).map(Provider::fromCode), Optional.ofNullable(request.providerGroup()),
                config.batchSize());
    }

    /**
     * The run's database steps, each in its own transaction. Every claimed row's lease is kept here, renewed by the
     * keeper, until the row settles (closed) or is released.
     */
    private final class DatabaseSteps implements RefreshRun.Steps {

        private final Duration worstCase = refresher.worstCase();
        private final LeaseOwner owner;
        private final Context trace;
        private final Map<UUID, Lease> held = new ConcurrentHashMap<>();

        DatabaseSteps(LeaseOwner owner, Context trace) {
            this.owner = owner;
            this.trace = trace;
        }

        @Override
        public List<ClaimedIntegration> claim(DueQuery query) {
            return leases.claimDue(query, owner).stream().map(claim -> {
                held.put(claim.lease().id(), claim.lease());
                return ClaimedIntegration.of(claim.row());
            }).toList();
        }

        @Override
        public int release(List<UUID> ids) {
            return leases.release(ids.stream().map(held::remove).filter(java.util.Objects::nonNull).toList());
        }

        @Override
        public long countDue(DueQuery query) {
            return leases.countDue(query);
        }

        @Override
        public boolean mayStart(ClaimedIntegration row) {
            Lease lease = held.get(row.id());
            return lease != null && Duration.between(Instant.now(), lease.until()).compareTo(worstCase) > 0;
        }

        @Override
        public Uni<Outcome> refresh(ClaimedIntegration row, RunContext run) {
            return refresher.refresh(row, run.circuits(), held.get(row.id()), run.runId(), VaultPriority.SCHEDULED, trace);
        }

        @Override
        public Uni<OutcomeWriter.Written> write(ClaimedIntegration row, RunContext run, Outcome outcome,
                Instant startedAt, Instant finishedAt) {
            return writer.write(row, run.owner(), run.runId(), outcome, startedAt, finishedAt)
                    .onTermination().invoke(() -> {
                        Lease lease = held.remove(row.id());
                        if (lease != null) {
                            LeasedRefresh.closeUnlessPending(lease, outcome);
                        }
                    });
        }
    }
}
