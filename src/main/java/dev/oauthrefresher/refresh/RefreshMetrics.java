package dev.oauthrefresher.refresh;

import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.integration.IntegrationStatus;
import dev.oauthrefresher.integration.Provider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The refresh pipeline's Prometheus metrics. Status and overdue gauges are read from the database on a
 * schedule (every replica reports the same table-wide figures; aggregate with {@code max}, not {@code sum}).
 */
@ApplicationScoped
public class RefreshMetrics {

    private static final Logger LOG = Logger.getLogger(RefreshMetrics.class);

    private final MeterRegistry registry;
    private final IntegrationRepository integrations;
    private final Map<IntegrationStatus, AtomicLong> byStatus = new EnumMap<>(IntegrationStatus.class);
    private final AtomicLong overdue = new AtomicLong();
    private final AtomicLong pendingRotations = new AtomicLong();
    private final PendingRotationRepository pending;

    RefreshMetrics(MeterRegistry registry, IntegrationRepository integrations, PendingRotationRepository pending) {
        this.registry = registry;
        this.integrations = integrations;
        for (IntegrationStatus status : IntegrationStatus.values()) {
            AtomicLong value = new AtomicLong();
            byStatus.put(status, value);
            gauge("refresher.integrations", "Integrations by status (table-wide)", value, Tags.of("status", status.code()));
        }
        gauge("refresher.integrations.overdue", "Active integrations whose access token has already expired (table-wide)",
                overdue, Tags.empty());
        this.pending = pending;
        gauge("refresher.rotations.pending", "Rotated refresh tokens the token store has not accepted yet, sealed in PostgreSQL (table-wide)",
                pendingRotations, Tags.empty());
    }

    /**
     * Registers a gauge over a value this bean owns. A meter left by an earlier application instance in the same
     * JVM (tests restart Quarkus) would otherwise keep reading that instance's value, so it is replaced.
     */
    private void gauge(String name, String description, AtomicLong value, Tags tags) {
        registry.find(name).tags(tags).meters().forEach(registry::remove);
        Gauge.builder(name, value, AtomicLong::doubleValue).description(description).tags(tags).strongReference(true)
                .register(registry);
    }

    void attempt(Provider provider, Outcome outcome, Duration took) {
        Counter.builder("refresher.refresh.attempts")
                .description("Refresh attempts by provider and outcome")
                .tags("provider", provider.code(), "outcome", outcome.kind())
                .register(registry).increment();
        Timer.builder("refresher.refresh.duration")
                .description("Time to refresh one integration: token store read, token endpoint, token store write")
                .tags("provider", provider.code())
                .publishPercentileHistogram()
                .register(registry).record(took);
    }

    void groupRejected(String group) {
        Counter.builder("refresher.provider.group.rejected")
                .description("Runs in which a provider group's client credentials were refused")
                .tags("group", group).register(registry).increment();
    }

    void providerCircuitOpened(Provider provider) {
        Counter.builder("refresher.provider.circuit.opened")
                .description("Runs in which a provider failed too many calls and was left alone")
                .tags("provider", provider.code()).register(registry).increment();
    }

    void tokenStoreWriteFailed(boolean rotated) {
        Counter.builder("refresher.token.store.write.failures")
                .description("Token store writes that failed after retries; rotated=true means a new refresh token is pending")
                .tags("rotated", Boolean.toString(rotated)).register(registry).increment();
    }

    /**
     * A lease this process needed was gone: at {@code stage} {@code renewal} (another owner holds the row now)
     * or {@code write} (an outcome could not be recorded).
     */
    void leaseLost(String stage) {
        Counter.builder("refresher.leases.lost")
                .description("Leases found gone while this process still worked on the row")
                .tags("stage", stage).register(registry).increment();
    }

    void run(String task, Duration took) {
        Timer.builder("refresher.run.duration").description("Duration of triggered runs")
                .tags("task", task).register(registry).record(took);
    }

    /** Refreshes the table-wide gauges; cheap thanks to the status index. */
    @Scheduled(every = "${refresher.refresh.gauge-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "5s")
    void updateGauges() {
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
