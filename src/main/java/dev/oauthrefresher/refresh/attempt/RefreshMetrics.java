package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.rotation.PendingRotationRepository;
import dev.oauthrefresher.common.OwnedGauges;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.integration.IntegrationStatus;
import dev.oauthrefresher.provider.ProvidersConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The refresh pipeline's Prometheus metrics, all registered at startup (counters at zero, so rates and alerts see
 * them before their first event). Status and overdue gauges are read from the database on a schedule (every
 * replica reports the same table-wide figures; aggregate with {@code max}, not {@code sum}).
 */
@Startup
@ApplicationScoped
public class RefreshMetrics {

    private static final Logger LOG = Logger.getLogger(RefreshMetrics.class);

    private final MeterRegistry registry;
    private final IntegrationRepository integrations;
    private final Map<IntegrationStatus, AtomicLong> byStatus = new EnumMap<>(IntegrationStatus.class);
    private final AtomicLong overdue = new AtomicLong();
    private final AtomicLong pendingRotations = new AtomicLong();
    private final PendingRotationRepository pending;
    // Every refresh counts an attempt and records its duration: the meters are looked up once here, not through a
    // builder and the registry's map on each of thousands of refreshes a second.
    private final Map<Provider, Map<String, Counter>> attempts = new EnumMap<>(Provider.class);
    private final Map<Provider, Timer> durations = new EnumMap<>(Provider.class);

    RefreshMetrics(MeterRegistry registry, IntegrationRepository integrations, PendingRotationRepository pending,
            ProvidersConfig providers, RefreshConfig config) {
        this.registry = registry;
        this.integrations = integrations;
        this.pending = pending;
        for (IntegrationStatus status : IntegrationStatus.values()) {
            AtomicLong value = new AtomicLong();
            byStatus.put(status, value);
            OwnedGauges.register(registry, "refresher.integrations", "Integrations by status (table-wide)", null, value,
                    Tags.of("status", status.code()));
        }
        OwnedGauges.register(registry, "refresher.integrations.overdue",
                "Active integrations whose access token has already expired (table-wide)", null, overdue, Tags.empty());
        OwnedGauges.register(registry, "refresher.rotations.pending",
                "Rotated refresh tokens the token store has not accepted yet, sealed in PostgreSQL (table-wide)", null,
                pendingRotations, Tags.empty());
        // what the no-completed-run alert compares the last completed run with
        OwnedGauges.register(registry, "refresher.refresh.expected.trigger.interval",
                "refresher.refresh.expected-trigger-interval: how often a trigger is expected to start a run", "seconds",
                new AtomicLong(config.expectedTriggerInterval().toSeconds()), Tags.empty());
        for (Provider provider : Provider.values()) {
            Map<String, Counter> byKind = new HashMap<>();
            Outcome.KINDS.forEach(kind -> byKind.put(kind, attempts(provider, kind)));
            attempts.put(provider, Map.copyOf(byKind));
            durations.put(provider, duration(provider));
            circuitOpened(provider);
        }
        providers.groups().keySet().forEach(this::rejected);
        tokenStoreWriteFailures(false);
        tokenStoreWriteFailures(true);
    }

    public void attempt(Provider provider, Outcome outcome, Duration took) {
        attempts.get(provider).get(outcome.kind()).increment();
        durations.get(provider).record(took);
    }

    public void groupRejected(String group) {
        rejected(group).increment();
    }

    public void providerCircuitOpened(Provider provider) {
        circuitOpened(provider).increment();
    }

    public void tokenStoreWriteFailed(boolean rotated) {
        tokenStoreWriteFailures(rotated).increment();
    }

    /**
     * A row was deferred because its vault is not configured on this replica; {@code vault} is the name the row
     * records (operator-chosen, validated by the schema), never a URL.
     */
    public void vaultNotConfigured(String vault) {
        Counter.builder("refresher.vault.not.configured")
                .description("Refreshes deferred because the row's Key Vault is not configured on this replica")
                .tags("vault", vault).register(registry).increment();
    }

    /** Registers {@code task}'s run-duration timer before its first run, so an alert on it has a series to read. */
    public void registerRun(String task) {
        runDuration(task);
    }

    public void run(String task, Duration took) {
        runDuration(task).record(took);
    }

    private Counter attempts(Provider provider, String outcome) {
        return Counter.builder("refresher.refresh.attempts")
                .description("Refresh attempts by provider and outcome")
                .tags("provider", provider.code(), "outcome", outcome)
                .register(registry);
    }

    private Timer duration(Provider provider) {
        return Timer.builder("refresher.refresh.duration")
                .description("Time to refresh one integration: token store read, token endpoint, token store write")
                .tags("provider", provider.code())
                .publishPercentileHistogram()
                .register(registry);
    }

    private Counter rejected(String group) {
        return Counter.builder("refresher.provider.group.rejected")
                .description("Runs in which a provider group's client credentials were refused")
                .tags("group", group).register(registry);
    }

    private Counter circuitOpened(Provider provider) {
        return Counter.builder("refresher.provider.circuit.opened")
                .description("Runs in which a provider failed too many calls and was left alone")
                .tags("provider", provider.code()).register(registry);
    }

    private Counter tokenStoreWriteFailures(boolean rotated) {
        return Counter.builder("refresher.token.store.write.failures")
                .description("Token store writes that failed after retries; rotated=true means a new refresh token is pending")
                .tags("rotated", Boolean.toString(rotated)).register(registry);
    }

    private Timer runDuration(String task) {
        return Timer.builder("refresher.run.duration").description("Duration of triggered runs")
                .tags("task", task).register(registry);
    }

    /** Refreshes the table-wide gauges; cheap thanks to the status index. */
    @Scheduled(every = "${refresher.refresh.gauge-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "5s")
    public void updateGauges() {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                integrations.countByStatus().forEach((status, count) -> byStatus.get(status).set(count));
                overdue.set(integrations.countOverdue(Instant.now()));
                pendingRotations.set(pending.count());
            });
        } catch (RuntimeException e) {
            LOG.debugf("Could not update integration gauges: %s", e.getClass().getSimpleName());
        }
    }
}
