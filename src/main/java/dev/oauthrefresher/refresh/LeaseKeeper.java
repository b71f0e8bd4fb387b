package dev.oauthrefresher.refresh;

import dev.oauthrefresher.integration.IntegrationRepository;
import java.net.InetAddress;
import java.net.UnknownHostException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The rows this process holds (claimed and waiting, being refreshed, or with a rotation pending), and their
 * leases: renewed every fifth of the lease, so a slow token store or provider can never let a row's lease lapse
 * while this process still works on it. A renewal that finds a row held by someone else is counted and logged.
 *
 * <p>The map is the only state; entries are added and removed by whoever starts or settles a row, and the
 * renewal reads a snapshot of it.
 */
@Singleton
class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);
    private static final String JOB = "lease-renewal";

    /** This host's name: the first part of every lease owner this process writes. */
    static final String HOST = hostName();

    /** Who holds a row, and until when (as last written). */
    private record Held(String owner, Instant until) {
    }

    private final Map<UUID, Held> held = new ConcurrentHashMap<>();
    private final IntegrationRepository integrations;
    private final RefreshMetrics metrics;
    private final RefreshConfig config;
    private final Scheduler scheduler;

    LeaseKeeper(IntegrationRepository integrations, RefreshMetrics metrics, RefreshConfig config, Scheduler scheduler) {
        this.integrations = integrations;
        this.metrics = metrics;
        this.config = config;
        this.scheduler = scheduler;
    }

    /** How often leases are renewed: a fifth of the lease, so a row always has four fifths of it left. */
    static Duration renewalInterval(Duration lease) {
        return lease.dividedBy(5);
    }

    void onStart(@Observes StartupEvent event) {
        scheduler.newJob(JOB)
                .setInterval("PT" + Math.max(1, renewalInterval(config.lease()).toMillis()) / 1000.0 + "S")
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> renew())
                .schedule();
    }

    void onStop(@Observes ShutdownEvent event) {
        scheduler.unscheduleJob(JOB);
    }

    /** {@code owner} holds {@code id} until {@code until}; keep it so until {@link #forget}. */
    void hold(UUID id, String owner, Instant until) {
        held.put(id, new Held(owner, until));
    }

    void forget(UUID id) {
        held.remove(id);
    }

    void forget(List<UUID> ids) {
        ids.forEach(held::remove);
    }

    /** When this process's lease on {@code id} ends, as far as it knows. */
    Optional<Instant> leaseUntil(UUID id) {
        return Optional.ofNullable(held.get(id)).map(Held::until);
    }

    int size() {
        return held.size();
    }

    /** Extends every held lease to a full lease from now; rows another owner took are reported and dropped. */
    void renew() {
        if (held.isEmpty()) {
            return;
        }
        Map<String, List<UUID>> byOwner = held.entrySet().stream().collect(Collectors.groupingBy(e -> e.getValue().owner(),
                Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
        Instant until = Instant.now().plus(config.lease());
        byOwner.forEach((owner, ids) -> {
            try {
                IntegrationRepository.Renewal renewal = QuarkusTransaction.requiringNew()
                        .call(() -> integrations.renewLeases(ids, owner, until));
                Set<UUID> renewed = new HashSet<>(renewal.renewed());
                renewed.forEach(id -> held.computeIfPresent(id, (k, h) -> h.owner().equals(owner) ? new Held(owner, until) : h));
                // a row whose lease is simply gone was settled meanwhile; one that another owner holds is lost
                List<UUID> lost = new ArrayList<>();
                for (UUID id : renewal.heldByOthers()) {
                    Held h = held.get(id);
                    if (h != null && h.owner().equals(owner) && held.remove(id, h)) {
                        lost.add(id);
                    }
                }
                if (!lost.isEmpty()) {
                    lost.forEach(id -> metrics.leaseLost("renewal"));
                    LOG.errorf("%d lease(s) of %s were taken by another owner before renewal (first: %s); their outcomes "
                            + "will not be recorded by this process", lost.size(), owner, lost.get(0));
                }
            } catch (RuntimeException e) {
                LOG.warnf("Could not renew %d lease(s) of %s (%s); retrying in %s", ids.size(), owner,
                        e.getClass().getSimpleName(), renewalInterval(config.lease()));
            }
        });
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
