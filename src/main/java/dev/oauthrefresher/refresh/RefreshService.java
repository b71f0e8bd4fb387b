package dev.oauthrefresher.refresh;

import dev.oauthrefresher.cron.RunRequest;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import dev.oauthrefresher.integration.DueQuery;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.integration.Provider;
import dev.oauthrefresher.tenant.TenantRepository;
import dev.oauthrefresher.web.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Runs the refresh pipeline: a triggered run over every due integration, a dry run that only reports, and
 * the admin API's manual refresh of one integration through the same per-integration code path.
 */
@ApplicationScoped
public class RefreshService {

    private static final Duration MANUAL_TIMEOUT = Duration.ofSeconds(60);
    private static final int DRY_RUN_SAMPLE = 1000;

    private final IntegrationRepository integrations;
    private final TenantRepository tenants;
    private final IntegrationRefresher refresher;
    private final OutcomeWriter writer;
    private final RefreshMetrics metrics;
    private final RefreshConfig config;
    private final String host = hostName();

    RefreshService(IntegrationRepository integrations, TenantRepository tenants, IntegrationRefresher refresher,
            OutcomeWriter writer, RefreshMetrics metrics, RefreshConfig config) {
        this.integrations = integrations;
        this.tenants = tenants;
        this.refresher = refresher;
        this.writer = writer;
        this.metrics = metrics;
        this.config = config;
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
                        .chain(caps -> start(new RunContext(run.runId(), owner(run.runId()),
                                new RunCircuits(config.providerCircuit()), query, run.deadline(), limit,
                                RunContext.Capacity.of(config, caps))));
        return result.invoke(r -> metrics.run(taskName, Duration.between(started, Instant.now())));
    }

    private Uni<TaskResult> start(RunContext context) {
        return new RefreshRun(context, new DatabaseSteps(), RefreshRun.Env.production()).start();
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

    /** The outcome of one manual refresh, for the admin API. */
    public record ManualRefresh(String outcome, IntegrationView integration) {
    }

    /**
     * Refreshes one integration now, whatever its expiry, through the same path as a run. 409 if it is not
     * active, its tenant is paused, or a run holds it.
     */
    public ManualRefresh refreshNow(String tenantId, UUID id) {
        UUID runId = UUID.randomUUID();
        String owner = owner(runId);
        Instant now = Instant.now();
        Integration row = QuarkusTransaction.requiringNew().call(() -> {
            Integration existing = integrations.findForTenant(tenantId, id).orElseThrow(
                    () -> ProblemException.notFound("Integration " + id + " does not exist for tenant '" + tenantId + "'."));
            return integrations.claimOne(existing.id(), owner, now, now.plus(config.lease())).orElseThrow(
                    () -> ProblemException.conflict("Integration " + id + " cannot be refreshed now: it is "
                            + existing.status().code() + ", its tenant is paused, or a run is refreshing it."));
        });
        ClaimedIntegration claimed = ClaimedIntegration.of(row);
        RunCircuits circuits = new RunCircuits(config.providerCircuit());
        Outcome outcome = refresher.refresh(claimed, circuits, owner, runId)
                .call(o -> writer.write(claimed, owner, runId, o, now, Instant.now()))
                .await().atMost(MANUAL_TIMEOUT);
        IntegrationView view = QuarkusTransaction.requiringNew().call(
                () -> IntegrationView.of(integrations.findById(id)));
        return new ManualRefresh(outcome.kind(), view);
    }

    private DueQuery dueQuery(RunRequest request, Instant now) {
        return new DueQuery(now, config.leadTime(), config.keepAliveAge(), Optional.ofNullable(request.tenant()),
                Optional.ofNullable(request.provider()).map(Provider::fromCode), Optional.ofNullable(request.providerGroup()),
                config.batchSize());
    }

    private String owner(UUID runId) {
        return host + "/" + runId;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    /** The run's database steps, each in its own transaction. */
    private final class DatabaseSteps implements RefreshRun.Steps {

        @Override
        public List<ClaimedIntegration> claim(DueQuery query, String owner, Instant leaseUntil) {
            return QuarkusTransaction.requiringNew().call(() -> integrations.claimDueForRefresh(query, owner, leaseUntil)
                    .stream().map(ClaimedIntegration::of).toList());
        }

        @Override
        public int release(List<UUID> ids, String owner) {
            return QuarkusTransaction.requiringNew().call(() -> integrations.release(ids, owner));
        }

        @Override
        public long countDue(DueQuery query) {
            return QuarkusTransaction.requiringNew().call(() -> integrations.countDue(query));
        }

        @Override
        public Uni<Outcome> refresh(ClaimedIntegration row, RunContext run) {
            return refresher.refresh(row, run.circuits(), run.owner(), run.runId());
        }

        @Override
        public Uni<OutcomeWriter.Written> write(ClaimedIntegration row, RunContext run, Outcome outcome,
                Instant startedAt, Instant finishedAt) {
            return writer.write(row, run.owner(), run.runId(), outcome, startedAt, finishedAt);
        }
    }
}
