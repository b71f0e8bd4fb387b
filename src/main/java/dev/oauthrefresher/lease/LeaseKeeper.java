package dev.oauthrefresher.lease;

import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.RefreshMetrics;
import dev.oauthrefresher.common.GroupCommit;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.tokenstore.SecretRef;
import java.net.InetAddress;
import java.net.UnknownHostException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import io.smallrye.mutiny.Uni;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The rows this process holds (claimed and waiting, being refreshed, or with a rotation pending), and their
 * leases: renewed every fifth of the lease, so a slow token store or provider can never let a row's lease lapse
 * while this process still works on it. A renewal that finds a row's owner gone (released, deleted, or held by
 * someone else) drops the row, so {@link PendingRotations} stops retrying it ({@link #standing}); one held by
 * someone else is counted and logged. Every token-store write of the pipeline goes through {@link #fence} first.
 *
 * <p>The map is its state; entries are added and removed by whoever starts or settles a row, and the
 * renewal reads a snapshot of it. Fences waiting for their statement are {@link GroupCommit}'s.
 */
@Singleton
public class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);
    private static final String JOB = "lease-renewal";
    private static final int MAX_FENCES_PER_STATEMENT = 200;

    /** This host's name: the first part of every lease owner this process writes. */
    public static final String HOST = hostName();

    /** Who holds a row, and until when (as last written). */
    private record Held(String owner, Instant until) {
    }

    /** What this process knows of its lease on a row, without asking the database. */
    public enum Standing {
        /** Held, and renewed recently. */
        HELD,
        /**
         * Held as far as this process knows, but not renewed for longer than the lease minus a renewal interval
         * (the database did not answer, or this process was paused): it may lapse any moment, so wait for a renewal.
         */
        STALE,
        /** Not this owner's any more: settled, released, taken by someone else, or the row deleted. */
        GONE
    }

    /** One fence a reactive caller waits for. */
    private record Fence(IntegrationRepository.Holder holder, CompletableFuture<Optional<SecretRef>> done) {
    }

    private final Map<UUID, Held> held = new ConcurrentHashMap<>();
    private final GroupCommit<Fence> fences = new GroupCommit<>(MAX_FENCES_PER_STATEMENT, this::fenceAll);
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
    public static Duration renewalInterval(Duration lease) {
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
    public void hold(UUID id, String owner, Instant until) {
        held.put(id, new Held(owner, until));
    }

    public void forget(UUID id) {
        held.remove(id);
    }

    public void forget(List<UUID> ids) {
        ids.forEach(held::remove);
    }

    /** Stops renewing {@code id} if {@code owner} is who holds it here (another owner's hold of the row stays). */
    public void forget(UUID id, String owner) {
        held.computeIfPresent(id, (k, h) -> h.owner().equals(owner) ? null : h);
    }

    /** When this process's lease on {@code id} ends, as far as it knows. */
    public Optional<Instant> leaseUntil(UUID id) {
        return Optional.ofNullable(held.get(id)).map(Held::until);
    }

    /** Whether {@code owner} still holds {@code id} as far as this process knows, and whether renewals keep it so. */
    public Standing standing(UUID id, String owner, Instant now) {
        Held h = held.get(id);
        if (h == null || !h.owner().equals(owner)) {
            return Standing.GONE;
        }
        return h.until().minus(renewalInterval(config.lease())).isAfter(now) ? Standing.HELD : Standing.STALE;
    }

    /**
     * The fence before a token-store write, blocking: re-asserts in the database that {@code owner} still holds
     * {@code id} and extends its lease to a full one ({@link IntegrationRepository#fence}); returns where the row's
     * tokens are now, or empty if the owner lost the row, which then writes nothing. Fails if the database does not
     * answer: a process that cannot prove it holds the row writes nothing either.
     */
    public Optional<SecretRef> fence(UUID id, String owner) {
        IntegrationRepository.Holder holder = new IntegrationRepository.Holder(id, owner);
        Instant until = Instant.now().plus(config.lease());
        return settle(holder, until, QuarkusTransaction.requiringNew().call(() -> integrations.fence(List.of(holder), until)));
    }

    /**
     * {@link #fence} for reactive callers, never on an event loop: fences that arrive while a batch is in the database
     * share the next statement ({@link GroupCommit}), so under load a refresh's fence costs a share of one statement.
     */
    public Uni<Optional<SecretRef>> fenceAsync(UUID id, String owner) {
        CompletableFuture<Optional<SecretRef>> done = new CompletableFuture<>();
        fences.add(new Fence(new IntegrationRepository.Holder(id, owner), done));
        return Uni.createFrom().completionStage(done);
    }

    private void fenceAll(List<Fence> batch) {
        Instant until = Instant.now().plus(config.lease());
        try {
            Map<IntegrationRepository.Holder, SecretRef> fenced = QuarkusTransaction.requiringNew()
                    .call(() -> integrations.fence(batch.stream().map(Fence::holder).toList(), until));
            batch.forEach(f -> f.done().complete(settle(f.holder(), until, fenced)));
        } catch (RuntimeException e) {
            batch.forEach(f -> f.done().completeExceptionally(e));
        }
    }

    /** What one fence found: the lease is extended here too, or the row is dropped, counted and logged. */
    private Optional<SecretRef> settle(IntegrationRepository.Holder holder, Instant until,
            Map<IntegrationRepository.Holder, SecretRef> fenced) {
        UUID id = holder.id();
        String owner = holder.owner();
        Optional<SecretRef> where = Optional.ofNullable(fenced.get(holder));
        if (where.isPresent()) {
            held.computeIfPresent(id, (k, h) -> h.owner().equals(owner) ? new Held(owner, until) : h);
        } else {
            forget(id, owner);
            metrics.leaseLost("fence");
            LOG.warnf("Integration %s: the lease of %s is gone (released, reconnected, disconnected or taken by another "
                    + "owner); this process writes no tokens for it", id, owner);
        }
        return where;
    }

    public int size() {
        return held.size();
    }

    /**
     * Extends every held lease to a full lease from now. Rows whose owner is gone are dropped: those another owner
     * holds are counted and logged as lost, those released or deleted meanwhile (settled by this process, or reconnected
     * or disconnected after the lease lapsed) are only dropped.
     */
    void renew() {
        if (held.isEmpty()) {
            return;
        }
        Map<UUID, Held> snapshot = Map.copyOf(held);
        Map<String, List<UUID>> byOwner = snapshot.entrySet().stream().collect(Collectors.groupingBy(e -> e.getValue().owner(),
                Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
        Instant until = Instant.now().plus(config.lease());
        byOwner.forEach((owner, ids) -> {
            try {
                IntegrationRepository.Renewal renewal = QuarkusTransaction.requiringNew()
                        .call(() -> integrations.renewLeases(ids, owner, until));
                Set<UUID> renewed = new HashSet<>(renewal.renewed());
                renewed.forEach(id -> held.computeIfPresent(id, (k, h) -> h.owner().equals(owner) ? new Held(owner, until) : h));
                Set<UUID> others = new HashSet<>(renewal.heldByOthers());
                List<UUID> lost = new ArrayList<>();
                int gone = 0;
                for (UUID id : ids) {
                    // dropped only if nobody changed the entry since the snapshot (a settled row is forgotten anyway)
                    if (!renewed.contains(id) && held.remove(id, snapshot.get(id))) {
                        if (others.contains(id)) {
                            lost.add(id);
                        } else {
                            gone++;
                        }
                    }
                }
                if (!lost.isEmpty()) {
                    lost.forEach(id -> metrics.leaseLost("renewal"));
                    LOG.errorf("%d lease(s) of %s were taken by another owner before renewal (first: %s); their outcomes "
                            + "will not be recorded by this process", lost.size(), owner, lost.get(0));
                }
                if (gone > 0) {
                    LOG.debugf("%d lease(s) of %s were released or their rows deleted before renewal", gone, owner);
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
