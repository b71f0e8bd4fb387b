package dev.oauthrefresher.lease;

import dev.oauthrefresher.common.Replica;
import dev.oauthrefresher.integration.Integration;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * The one way to hold a row: every claim (a run's, a single row's, a pending rotation's takeover, a lifecycle
 * change's, a vault move's), the one wait for a busy row, and every release go through here. Each lease is
 * {@link LeaseConfig#lease()} long, owned by a {@link LeaseOwner} of this replica, and handed out as a {@link Lease}
 * that {@link LeaseKeeper} renews until its holder closes it. Blocking; each call is its own transaction.
 */
@ApplicationScoped
public class Leases {

    /** A claimed row as the claim read it, and its lease. */
    public record Claim(Integration row, Lease lease) {
    }

    private final LeaseRepository repository;
    private final LeaseKeeper keeper;
    private final Replica replica;
    private final Duration length;
    /** How often {@link #claimWithin} asks again while someone else holds the row. */
    private final Duration poll;

    Leases(LeaseRepository repository, LeaseKeeper keeper, Replica replica, LeaseConfig config) {
        this.repository = repository;
        this.keeper = keeper;
        this.replica = replica;
        this.length = config.lease();
        this.poll = config.leaseWaitPollInterval();
    }

    /** A new owner of this replica for {@code purpose}, unique to the call. */
    public LeaseOwner owner(LeaseOwner.Purpose purpose) {
        return owner(purpose, UUID.randomUUID());
    }

    /** The owner of {@code run} (a run's id, an attempt's id) on this replica for {@code purpose}. */
    public LeaseOwner owner(LeaseOwner.Purpose purpose, UUID run) {
        return new LeaseOwner(replica.id(), purpose, run);
    }

    /** How long every lease lasts without renewal. */
    public Duration length() {
        return length;
    }

    /** Claims up to {@code query.limit()} due rows for {@code owner}, most urgent first, each with its lease. */
    public List<Claim> claimDue(DueQuery query, LeaseOwner owner) {
        Instant until = query.now().plus(length);
        List<Integration> rows = QuarkusTransaction.requiringNew().call(() -> repository.claimDue(query, owner.toString(), until));
        return rows.stream()
                .map(row -> new Claim(row, keeper.track(new Lease(row.id(), owner, until, row.secretRef(), keeper)))).toList();
    }

    /** Claims row {@code id} on {@code terms}; empty while someone else holds it or the terms do not hold. */
    public Optional<Claim> claim(UUID id, LeaseRepository.Terms terms, LeaseOwner owner) {
        Instant now = Instant.now();
        Instant until = now.plus(length);
        return QuarkusTransaction.requiringNew().call(() -> repository.claimOne(id, terms, owner.toString(), now, until))
                .map(row -> new Claim(row, keeper.track(new Lease(row.id(), owner, until, row.secretRef(), keeper))));
    }

    /**
     * {@link #claim}, asking again every {@link LeaseConfig#leaseWaitPollInterval()} while it is refused, for at most
     * {@code wait}; {@code beforeEach} runs before each attempt and may throw (e.g. 404 once the row is gone). Empty when
     * the wait ran out.
     */
    public Optional<Claim> claimWithin(UUID id, LeaseRepository.Terms terms, LeaseOwner owner, Duration wait,
            Runnable beforeEach) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            beforeEach.run();
            Optional<Claim> claim = claim(id, terms, owner);
            if (claim.isPresent() || System.nanoTime() > deadline) {
                return claim;
            }
            LockSupport.parkNanos(poll.toNanos());
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while waiting for the lease of integration " + id);
            }
        }
    }

    /**
     * Takes over up to {@code limit} rows whose rotated refresh token is pending, sealed with one of {@code keyIds}, and
     * whose holder is gone; their leases, oldest rotation first.
     */
    public List<Lease> claimPendingRotations(Collection<String> keyIds, LeaseOwner owner, int limit) {
        Instant now = Instant.now();
        Instant until = now.plus(length);
        return QuarkusTransaction.requiringNew().call(() -> repository.claimPendingRotations(keyIds, owner.toString(), now, until, limit))
                .stream().map(id -> keeper.track(new Lease(id, owner, until, keeper))).toList();
    }

    /**
     * The lease of a row that {@code owner} created already leased (a registration inserts its row held until
     * {@link #until}, so no run touches it before its tokens are stored); renewed from now on like any other.
     */
    public Lease ofInserted(UUID id, LeaseOwner owner, Instant until) {
        return keeper.track(new Lease(id, owner, until, keeper));
    }

    /** When a lease taken now ends. */
    public Instant until(Instant now) {
        return now.plus(length);
    }

    /** Gives rows back untouched and stops renewing them; how many were still held. */
    public int release(Collection<Lease> leases) {
        if (leases.isEmpty()) {
            return 0;
        }
        leases.forEach(Lease::close);
        return leases.stream().collect(java.util.stream.Collectors.groupingBy(Lease::ownerValue)).entrySet().stream()
                .mapToInt(e -> QuarkusTransaction.requiringNew().call(
                        () -> repository.release(e.getValue().stream().map(Lease::id).toList(), e.getKey())))
                .sum();
    }

    /** {@link #release} of one lease; false if it was no longer held. */
    public boolean release(Lease lease) {
        return release(List.of(lease)) == 1;
    }

    /** The same selection as a run's claim, leasing nothing: for dry runs. */
    public List<Integration> peekDue(DueQuery query) {
        return QuarkusTransaction.requiringNew().call(() -> repository.peekDue(query));
    }

    /** How many rows are due and unleased now, ignoring the query's limit. */
    public long countDue(DueQuery query) {
        return QuarkusTransaction.requiringNew().call(() -> repository.countDue(query));
    }
}
