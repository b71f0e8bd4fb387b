package dev.oauthrefresher.lease;

import dev.oauthrefresher.common.GroupCommit;
import dev.oauthrefresher.tokenstore.SecretRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The leases this process holds, whatever they are for, and their renewal: every fifth of the lease each one is
 * extended to a whole lease, so a slow token store or provider never lets a row's lease lapse while this process still
 * works on it. A renewal that finds a row's owner gone drops the lease ({@link Lease.Standing#GONE}, so a pending
 * rotation stops retrying it); one another owner holds is counted and logged.
 *
 * <p>Renewals run on their own thread and their own connection pool ({@code quarkus.datasource.leases}, two
 * connections): nothing tenant-driven (a flood of on-demand tokens, registrations against a slow vault) can take the
 * worker threads or the pooled connections a renewal needs. The map is its state; {@link Leases} adds to it, holders
 * remove their own lease by closing it, and the renewal reads a snapshot. Fences waiting for their statement are
 * {@link GroupCommit}'s, on the main pool (a fence is part of the work it guards).
 */
@Singleton
public class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);
    /**
     * A cap on one group commit of fences, not a throughput knob (fences queued behind a full batch go into the next at
     * once): it only bounds one statement's size, so it stays a constant rather than a setting.
     */
    private static final int MAX_FENCES_PER_STATEMENT = 200;

    /** One fence a reactive caller waits for. */
    private record Fence(Lease lease, CompletableFuture<Optional<SecretRef>> done) {
    }

    private final Map<UUID, Lease> held = new ConcurrentHashMap<>();
    private final GroupCommit<Fence> fences = new GroupCommit<>(MAX_FENCES_PER_STATEMENT, this::fenceAll);
    private final LeaseRepository repository;
    private final Duration length;
    /** How long a fence proves, from now: see {@link #provenUntil}. */
    private final Duration proven;
    /** Whether a refresh's fence may be answered from what this replica wrote ({@link LeaseConfig#fenceProof()}). */
    private final boolean provenHere;
    private final MeterRegistry registry;
    // adders read by the registry when it scrapes: a Micrometer counter's increment costs more than the held fence itself
    private final LongAdder heldProofs = new LongAdder();
    private final LongAdder databaseProofs = new LongAdder();
    private ScheduledExecutorService renewer;

    LeaseKeeper(LeaseRepository repository, LeaseConfig config, MeterRegistry registry) {
        this.repository = repository;
        this.length = config.lease();
        this.proven = length.minus(renewalInterval(length).multipliedBy(2));
        this.provenHere = config.fenceProof() == LeaseConfig.FenceProof.HELD;
        this.registry = registry;
        fences(registry, "held", heldProofs);
        fences(registry, "database", databaseProofs);
    }

    private static void fences(MeterRegistry registry, String proof, LongAdder count) {
        FunctionCounter.builder("refresher.leases.fences", count, LongAdder::sum)
                .description("Fences before token-store writes of refreshes, by how ownership was proven")
                .tags("proof", proof).register(registry);
    }

    /** How often leases are renewed: a fifth of the lease, so a row always has four fifths of it left. */
    public static Duration renewalInterval(Duration lease) {
        return lease.dividedBy(5);
    }

    void onStart(@Observes StartupEvent event) {
        renewer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "lease-renewal");
            thread.setDaemon(true);
            return thread;
        });
        long every = Math.max(1, renewalInterval(length).toMillis());
        // fixed delay: a renewal that took long (the database was slow) is never followed by an immediate second one
        renewer.scheduleWithFixedDelay(this::renewQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (renewer != null) {
            renewer.shutdownNow();
        }
    }

    /** Starts renewing {@code lease}; the row's previous lease held here (if any, by another owner) is no longer renewed. */
    Lease track(Lease lease) {
        held.put(lease.id(), lease);
        return lease;
    }

    void untrack(Lease lease) {
        held.remove(lease.id(), lease);
    }

    Lease.Standing standing(Lease lease, Instant now) {
        if (held.get(lease.id()) != lease) {
            return Lease.Standing.GONE;
        }
        return lease.until().minus(renewalInterval(length)).isAfter(now) ? Lease.Standing.HELD : Lease.Standing.STALE;
    }

    Optional<SecretRef> fence(Lease lease) {
        Instant now = Instant.now();
        Instant until = now.plus(length);
        LeaseRepository.Holder holder = holder(lease);
        return settle(lease, QuarkusTransaction.requiringNew()
                .call(() -> repository.fence(List.of(holder), provenUntil(now), until)), provenUntil(now));
    }

    /**
     * How long a fence must prove the row stays the holder's without extending its lease: three fifths of a lease, the
     * same that a missed renewal still leaves (renewals keep four fifths ahead). A holder paused longer than that between
     * its fence and its write is refused by the store's own deadline ({@link #sendBy}; docs/DESIGN.md, "Fenced writes").
     */
    private Instant provenUntil(Instant now) {
        return now.plus(proven);
    }

    /**
     * The fence of the hot path. Answered here, without a statement, when this process already knows what the read fence
     * of {@link LeaseRepository#fence} would find: the lease is still tracked, the claim read where the row's tokens are,
     * and the lease's end as this holder last wrote it and the database confirmed it (the claim's or a renewal's returned
     * rows) is at least {@link #provenUntil} away. Before a lease ends nobody else can take the row (every claim, reconnect,
     * disconnect and vault move requires an ended lease; every other write to the lease columns is guarded by the owner),
     * so the database can only answer "still yours, same secret". That is the read fence's own rule, checked against
     * what this process wrote instead of read back; the same clocks decide it. A holder whose renewals failed, that was
     * paused (its clock has moved on when it resumes) or whose lease another owner on this replica took asks the
     * database, as do the blocking fences of lifecycle changes, vault moves and pending rotations, which are rare.
     *
     * <p>Otherwise fences that arrive while a batch is in the database share the next statement.
     */
    Uni<Optional<SecretRef>> fenceAsync(Lease lease) {
        Optional<SecretRef> here = provenHere(lease);
        if (here.isPresent()) {
            return Uni.createFrom().item(here);
        }
        databaseProofs.increment();
        CompletableFuture<Optional<SecretRef>> done = new CompletableFuture<>();
        fences.add(new Fence(lease, done));
        return Uni.createFrom().completionStage(done);
    }

    /** The held proof of {@link #fenceAsync} alone: where the row's tokens are, or empty if the database must be asked. */
    Optional<SecretRef> provenHere(Lease lease) {
        if (provenHere && lease.where() != null && held.get(lease.id()) == lease
                && !lease.until().isBefore(provenUntil(Instant.now()))) {
            heldProofs.increment();
            return Optional.of(lease.where());
        }
        return Optional.empty();
    }

    private void fenceAll(List<Fence> batch) {
        Instant now = Instant.now();
        Instant until = now.plus(length);
        try {
            Map<LeaseRepository.Holder, SecretRef> fenced = repository.fenceAutocommit(
                    batch.stream().map(f -> holder(f.lease())).toList(), provenUntil(now), until);
            batch.forEach(f -> f.done().complete(settle(f.lease(), fenced, provenUntil(now))));
        } catch (java.sql.SQLException | RuntimeException e) {
            batch.forEach(f -> f.done().completeExceptionally(e));
        }
    }

    /**
     * What one fence found: held (this process keeps the end of the lease it last wrote, never later than the database's),
     * or gone: dropped, counted and logged.
     */
    /** {@code proven}: the row's lease in the database lasts at least until then if the fence found it held. */
    private Optional<SecretRef> settle(Lease lease, Map<LeaseRepository.Holder, SecretRef> fenced, Instant proven) {
        Optional<SecretRef> where = Optional.ofNullable(fenced.get(holder(lease)));
        if (where.isPresent() && proven.isAfter(lease.until())) {
            lease.extendTo(proven);
        }
        if (where.isEmpty()) {
            untrack(lease);
            countLost("fence");
            LOG.warnf("Integration %s: the lease of %s is gone (released, reconnected, disconnected or taken by another "
                    + "owner); this process writes no tokens for it", lease.id(), lease.owner());
        }
        return where;
    }

    private static LeaseRepository.Holder holder(Lease lease) {
        return new LeaseRepository.Holder(lease.id(), lease.ownerValue());
    }

    /**
     * Until when a token-store write under {@code lease} may still be sent ({@code WriteLease#sendBy}): the lease's end
     * as this process last wrote it and the database confirmed it (a claim, a renewal, a fence), less one renewal
     * interval for the replicas' clocks. While the keeper renews it this stays at least three fifths of a lease ahead
     * (the store takes a request timeout more off it; the startup check keeps room for that); a process paused past its
     * lease comes back with it behind, and a renewal cannot move it again once another holder has the row.
     */
    Instant sendBy(Lease lease) {
        return lease.until().minus(renewalInterval(length));
    }

    /** Leases held here now. */
    public int size() {
        return held.size();
    }

    private void renewQuietly() {
        try {
            renew();
        } catch (RuntimeException e) {
            LOG.warnf("Lease renewal failed (%s); retrying in %s", e.getClass().getSimpleName(), renewalInterval(length));
        }
    }

    /**
     * Extends every held lease to a whole lease from now, one statement per owner. Leases whose row another owner holds
     * now are dropped, counted and logged as lost; those released or deleted meanwhile (settled here, or reconnected or
     * disconnected after the lease lapsed) are only dropped.
     */
    void renew() {
        if (held.isEmpty()) {
            return;
        }
        Map<UUID, Lease> snapshot = Map.copyOf(held);
        Map<String, List<Lease>> byOwner = snapshot.values().stream().collect(Collectors.groupingBy(Lease::ownerValue));
        Instant until = Instant.now().plus(length);
        byOwner.forEach((owner, leases) -> {
            try {
                LeaseRepository.Renewal renewal = repository.renew(leases.stream().map(Lease::id).toList(), owner, until);
                Set<UUID> renewed = new HashSet<>(renewal.renewed());
                Set<UUID> others = new HashSet<>(renewal.heldByOthers());
                List<UUID> lost = new ArrayList<>();
                int gone = 0;
                for (Lease lease : leases) {
                    if (renewed.contains(lease.id())) {
                        lease.extendTo(until);
                    } else if (held.remove(lease.id(), lease)) {
                        if (others.contains(lease.id())) {
                            lost.add(lease.id());
                        } else {
                            gone++;
                        }
                    }
                }
                if (!lost.isEmpty()) {
                    lost.forEach(id -> countLost("renewal"));
                    LOG.errorf("%d lease(s) of %s were taken by another owner before renewal (first: %s); their outcomes "
                            + "will not be recorded by this process", lost.size(), owner, lost.get(0));
                }
                if (gone > 0) {
                    LOG.debugf("%d lease(s) of %s were released or their rows deleted before renewal", gone, owner);
                }
            } catch (java.sql.SQLException | RuntimeException e) {
                LOG.warnf("Could not renew %d lease(s) of %s (%s); retrying in %s", leases.size(), owner,
                        e.getClass().getSimpleName(), renewalInterval(length));
            }
        });
    }

    /**
     * A lease this process needed was gone: at {@code stage} {@code renewal} (another owner holds the row now),
     * {@code fence} (a token-store write was refused and not made) or {@code write} (an outcome could not be recorded).
     */
    public void countLost(String stage) {
        Counter.builder("refresher.leases.lost")
                .description("Leases found gone while this process still worked on the row")
                .tags("stage", stage).register(registry).increment();
    }
}
