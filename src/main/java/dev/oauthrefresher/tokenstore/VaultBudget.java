package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.OwnedGauges;
import dev.oauthrefresher.common.Replica;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Each vault's request budget, shared by the live replicas. Key Vault allows a vault
 * {@code vault-transactions-per-10s} whatever the number of clients; every replica plans with
 * {@code budget-share} of it, divided by the replicas that heartbeat in {@code replica_heartbeat}, and never more
 * than {@code max-requests-per-second}. Each vault has one {@link VaultLimiter}, whose rate follows the count and
 * which serves scheduled refreshes first and waits a bounded time for a permit.
 *
 * <p>A heartbeat that fails keeps the last known count: a database outage never raises the budget. Until its first
 * heartbeat is answered (at startup), a replica counts itself alone. Only in Key Vault mode; the memory store has no
 * budget.
 */
@Singleton
public class VaultBudget {

    private static final Logger LOG = Logger.getLogger(VaultBudget.class);
    private static final String JOB = "replica-heartbeat";
    private static final String REFUSED = "refresher.key.vault.permits.refused";
    private static final String SCHEDULED_WAIT_KEY = "refresher.token-store.key-vault.scheduled-max-permit-wait";
    private static final String ON_DEMAND_WAIT_KEY = "refresher.token-store.key-vault.on-demand-max-permit-wait";
    private static final String CONNECT_TIMEOUT_KEY = "refresher.token-store.key-vault.connect-timeout";
    private static final String DELETE_POLL_KEY = "refresher.token-store.key-vault.delete-poll-interval";

    private final TokenStoreConfig config;
    private final ReplicaHeartbeatRepository heartbeats;
    private final Scheduler scheduler;
    private final boolean keyVault;
    /** This replica in {@code replica_heartbeat}: the same id its lease owners start with. */
    private final String replicaId;
    private final Map<String, VaultLimiter> limiters = new TreeMap<>();
    private final Map<String, AtomicLong> rates = new TreeMap<>();
    private final AtomicLong replicas = new AtomicLong(1);

    VaultBudget(TokenStoreConfig config, Vaults vaults, ReplicaHeartbeatRepository heartbeats, Scheduler scheduler,
            MeterRegistry registry, Replica replica) {
        this.config = config;
        this.replicaId = replica.id();
        this.heartbeats = heartbeats;
        this.scheduler = scheduler;
        this.keyVault = config.kind() == TokenStoreConfig.Kind.KEY_VAULT;
        config.keyVault().heartbeatRetention().ifPresent(ignored -> LOG.warn("refresher.token-store.key-vault."
                + "heartbeat-retention is no longer read: set refresher.retention.heartbeats instead (docs/UPGRADING.md)"));
        if (!keyVault) {
            return;
        }
        TokenStoreConfig.KeyVault keyVaultConfig = config.keyVault();
        if (keyVaultConfig.onDemandMaxPermitWait().compareTo(keyVaultConfig.scheduledMaxPermitWait()) > 0) {
            throw new ConfigurationException(ON_DEMAND_WAIT_KEY + " (" + keyVaultConfig.onDemandMaxPermitWait()
                    + ") must not exceed " + SCHEDULED_WAIT_KEY + " (" + keyVaultConfig.scheduledMaxPermitWait()
                    + "): on-demand calls would then make scheduled refreshes wait past their bound.",
                    Set.of(ON_DEMAND_WAIT_KEY, SCHEDULED_WAIT_KEY));
        }
        Duration connect = keyVaultConfig.connectTimeout();
        if (connect.isNegative() || connect.isZero()) {
            throw new ConfigurationException(CONNECT_TIMEOUT_KEY + " must be positive", Set.of(CONNECT_TIMEOUT_KEY));
        }
        Duration deletePoll = keyVaultConfig.deletePollInterval();
        if (deletePoll.isNegative() || deletePoll.isZero() || deletePoll.compareTo(keyVaultConfig.requestTimeout()) >= 0) {
            throw new ConfigurationException(DELETE_POLL_KEY + " (" + deletePoll + ") must be positive and shorter than "
                    + "refresher.token-store.key-vault.request-timeout (" + keyVaultConfig.requestTimeout() + "): the "
                    + "deletion's polls count in one attempt's timeout, and no deletion could finish.",
                    Set.of(DELETE_POLL_KEY));
        }
        int rate = perReplica(1);
        for (String vault : vaults.names()) {
            VaultLimiter limiter = new VaultLimiter(vault, rate, keyVaultConfig.onDemandShare(),
                    keyVaultConfig.scheduledMaxPermitWait(), keyVaultConfig.onDemandMaxPermitWait(), System::nanoTime);
            limiters.put(vault, limiter);
            AtomicLong gauge = new AtomicLong(rate);
            rates.put(vault, gauge);
            OwnedGauges.register(registry, "refresher.key.vault.requests.per.second",
                    "Key Vault requests per second this replica may send to the vault: its budget over the live replicas",
                    null, gauge, Tags.of("vault", vault));
            for (VaultPriority priority : VaultPriority.values()) {
                Tags tags = Tags.of("vault", vault, "priority", priority.code());
                registry.find(REFUSED).tags(tags).meters().forEach(registry::remove);
                FunctionCounter.builder(REFUSED, limiter, l -> l.refused(priority))
                        .description("Key Vault calls refused without being sent: no permit of this replica's budget "
                                + "within the priority's bound")
                        .tags(tags).register(registry);
            }
        }
        OwnedGauges.register(registry, "refresher.replicas.live",
                "Replicas that share each vault's budget, as this replica last counted them in replica_heartbeat", null,
                replicas, Tags.empty());
    }

    void onStart(@Observes StartupEvent event) {
        if (!keyVault) {
            return;
        }
        beat();
        scheduler.newJob(JOB)
                .setInterval("PT" + config.keyVault().heartbeatInterval().toMillis() / 1000.0 + "S")
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> beat())
                .schedule();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (!keyVault) {
            return;
        }
        scheduler.unscheduleJob(JOB);
        try {
            QuarkusTransaction.requiringNew().run(() -> heartbeats.leave(replicaId));
        } catch (RuntimeException e) {
            LOG.debugf("Could not delete this replica's heartbeat (%s); it stops counting after %d intervals",
                    e.getClass().getSimpleName(), config.keyVault().heartbeatLiveIntervals());
        }
    }

    /** Records this replica as alive and re-divides every vault's budget by the replicas counted. */
    void beat() {
        TokenStoreConfig.KeyVault keyVaultConfig = config.keyVault();
        Duration liveWithin = keyVaultConfig.heartbeatInterval().multipliedBy(keyVaultConfig.heartbeatLiveIntervals());
        int live;
        try {
            live = QuarkusTransaction.requiringNew().call(() -> heartbeats.beat(replicaId, liveWithin));
        } catch (RuntimeException e) {
            LOG.warnf("Replica heartbeat failed (%s); keeping the last count, %d replica(s)", e.getClass().getSimpleName(),
                    replicas.get());
            return;
        }
        // this replica has just written its row, so it counts at least itself
        int counted = Math.max(1, live);
        if (replicas.getAndSet(counted) != counted) {
            int rate = perReplica(counted);
            limiters.values().forEach(limiter -> limiter.setPermitsPerSecond(rate));
            rates.values().forEach(gauge -> gauge.set(rate));
            LOG.infof("%d replica(s) share each Key Vault's budget: %d requests/s per vault for this one", counted, rate);
        }
    }

    /** {@code budget-share} of a vault's limit, per second, divided by the replicas, within [1, max-requests-per-second]. */
    int perReplica(int replicaCount) {
        TokenStoreConfig.KeyVault keyVaultConfig = config.keyVault();
        double perSecond = keyVaultConfig.vaultTransactionsPer10s() * keyVaultConfig.budgetShare() / 10.0 / replicaCount;
        return (int) Math.max(1, Math.min(keyVaultConfig.maxRequestsPerSecond(), Math.floor(perSecond)));
    }

    /** The vault's limiter, shared by every request this replica sends to it. */
    VaultLimiter limiter(String vault) {
        VaultLimiter limiter = limiters.get(vault);
        if (limiter == null) {
            throw new IllegalArgumentException("no budget for vault " + vault);
        }
        return limiter;
    }

    /**
     * Requests per second this replica may send to {@code vault} now; empty if this replica cannot reach the vault
     * (not configured). In mock mode every name is served, without a limit.
     */
    public OptionalDouble requestsPerSecond(String vault) {
        if (!keyVault) {
            return OptionalDouble.of(Double.POSITIVE_INFINITY);
        }
        AtomicLong rate = rates.get(vault);
        return rate == null ? OptionalDouble.empty() : OptionalDouble.of(rate.get());
    }
}
