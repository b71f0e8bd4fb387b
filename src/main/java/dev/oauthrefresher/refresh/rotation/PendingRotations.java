package dev.oauthrefresher.refresh.rotation;

import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.keyring.SealedValueException;
import dev.oauthrefresher.lease.Lease;
import dev.oauthrefresher.lease.LeaseOwner;
import dev.oauthrefresher.lease.Leases;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.VaultPriority;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Rotated refresh tokens that the token store has not accepted yet. A rotating provider has already invalidated
 * the old token, so dropping the new one would kill the grant. Each one is sealed into {@code pending_rotation}
 * (PostgreSQL, sealed by {@code keyring/KeyRing}) before the store is even asked, so it outlives this process; while that row exists
 * no replica refreshes the integration, and any replica whose key ring opens it finishes the write: this process retries
 * its own entries, and every replica takes over those whose lease has lapsed or was released at shutdown.
 *
 * <p>Every retry is fenced ({@link Lease#fence}): an entry whose lease is gone (another replica took the
 * rotation over, a reconnect replaced the grant, a disconnect removed the row) is dropped here and never written;
 * its sealed row stays for whoever holds the integration now, or went with the reconnect or disconnect. Entries whose
 * leases renewals have not kept (the database away, this process paused) wait until a renewal reaches the database.
 */
@ApplicationScoped
public class PendingRotations {

    private static final Logger LOG = Logger.getLogger(PendingRotations.class);

    /** A rotation this process is settling; {@code persisted} says whether it is sealed in PostgreSQL. */
    public record Pending(ClaimedIntegration row, Lease lease, UUID runId, TokenSet tokens, Instant startedAt, boolean persisted) {
    }

    /** What sealing a rotated token into PostgreSQL did. */
    public enum Sealing {
        /** Sealed: it outlives this process. */
        SEALED,
        /** Not sealed: the owner no longer holds the row, so the token must not be written anywhere. */
        LEASE_GONE,
        /** Not sealed: the database did not answer; the token lives in this process until it does. */
        FAILED
    }

    /** How one attempt to finish a pending write ended. */
    private enum Finish { STORED, RETRY, LEASE_GONE }

    private final Map<UUID, Pending> local = new ConcurrentHashMap<>();
    private final TokenStore tokenStore;
    private final PendingRotationRepository repository;
    private final KeyRing ring;
    private final RotationRecorder recorder;
    private final Leases leases;
    private final RefreshConfig config;

    PendingRotations(TokenStore tokenStore, PendingRotationRepository repository, KeyRing ring,
            RotationRecorder recorder, Leases leases, RefreshConfig config) {
        // a rotated token waiting here is the grant's only live one: its retries draw on the budget like a run's
        this.tokenStore = tokenStore.withPriority(VaultPriority.SCHEDULED);
        this.repository = repository;
        this.ring = ring;
        this.recorder = recorder;
        this.leases = leases;
        this.config = config;
    }

    /**
     * Seals {@code tokens} into {@code pending_rotation} on a worker thread, only while {@code owner} holds the row.
     * {@link Sealing#FAILED} (logged) if the database refused: the fenced store write cannot happen then either, and
     * the tokens are kept in this process until the database answers.
     */
    public Uni<Sealing> persist(ClaimedIntegration row, Lease lease, UUID runId, TokenSet tokens, Instant startedAt) {
        return Uni.createFrom().item(() -> seal(row.id(), lease.ownerValue(), runId, tokens, startedAt))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure().recoverWithItem(e -> {
                    LOG.errorf("Integration %s: could not record the rotated refresh token in PostgreSQL (%s); "
                            + "it lives in this process until PostgreSQL answers", row.id(), e.getClass().getSimpleName());
                    return Sealing.FAILED;
                });
    }

    private Sealing seal(UUID id, String owner, UUID runId, TokenSet tokens, Instant startedAt) {
        KeyRing.Sealed sealed = ring.seal(id, tokens);
        boolean saved = QuarkusTransaction.requiringNew().call(
                () -> repository.save(id, owner, sealed.value(), sealed.keyId(), runId, startedAt));
        return saved ? Sealing.SEALED : Sealing.LEASE_GONE;
    }

    /**
     * The rotated token is not stored (the store refused it, or the fence before the write could not be asked): keep
     * the row leased and retry every {@code pending-retry-interval}.
     */
    public void hold(Pending entry) {
        local.put(entry.row().id(), entry);
        LOG.errorf("Integration %s: the provider rotated its refresh token and the new one is not stored yet; "
                + "%s, retrying every %s (the row stays leased meanwhile)", entry.row().id(),
                entry.persisted() ? "sealed in PostgreSQL" : "held in memory only", config.pendingRetryInterval());
    }

    /** Rotations this process is settling itself. */
    public int size() {
        return local.size();
    }

    @Scheduled(every = "${refresher.refresh.pending-retry-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void retry() {
        for (Pending entry : List.copyOf(local.values())) {
            UUID id = entry.row().id();
            // asked per entry: a round against an unreachable database takes a connection timeout per entry
            Lease.Standing standing = entry.lease().standing(Instant.now());
            if (standing == Lease.Standing.STALE) {
                LOG.debugf("Integration %s: lease not renewed lately; its pending rotation waits for a renewal", id);
                continue;
            }
            Finish finish = standing == Lease.Standing.GONE ? Finish.LEASE_GONE : settle(entry);
            if (finish == Finish.LEASE_GONE) {
                LOG.warnf("Integration %s: stopped retrying its pending rotation: the lease of %s is gone (taken over by "
                        + "another replica, reconnected or disconnected); %s", id, entry.lease().owner(), entry.persisted()
                        ? "the sealed token stays for whoever holds the row now, unless a reconnect or disconnect removed it"
                        : "it was never sealed, so it is dropped");
            }
            if (finish != Finish.RETRY) {
                local.computeIfPresent(id, (k, p) -> p.lease() == entry.lease() ? null : p);
                entry.lease().close();
            }
        }
        takeOver();
    }

    private Finish settle(Pending entry) {
        Pending current = entry;
        if (!entry.persisted()) {
            Sealing sealing = persistLate(entry);
            if (sealing == Sealing.LEASE_GONE) {
                return Finish.LEASE_GONE;
            }
            if (sealing == Sealing.SEALED) {
                current = new Pending(entry.row(), entry.lease(), entry.runId(), entry.tokens(), entry.startedAt(), true);
                local.replace(entry.row().id(), entry, current);
            }
        }
        return finish(current.row(), current.lease(), current.runId(), current.tokens(), current.startedAt());
    }

    /**
     * Gives this process's persisted pending rotations to the other replicas (shutdown): their leases are
     * released, so the next replica's retry takes them over at once. Entries that never reached PostgreSQL
     * cannot be handed on; each is logged.
     */
    public void handOver() {
        for (Pending entry : List.copyOf(local.values())) {
            UUID id = entry.row().id();
            if (!entry.persisted()) {
                LOG.errorf("Integration %s: shutting down with a rotated refresh token that neither the token store nor "
                        + "PostgreSQL accepted; it is lost and the integration must be reconnected", id);
                continue;
            }
            try {
                leases.release(entry.lease());
                local.remove(id);
            } catch (RuntimeException e) {
                LOG.warnf("Integration %s: could not release the pending rotation's lease (%s); another replica takes "
                        + "it over when the lease lapses", id, e.getClass().getSimpleName());
            }
        }
    }

    /** An entry the database refused when it was new: sealed now if the database is back, so it outlives us. */
    private Sealing persistLate(Pending entry) {
        try {
            return seal(entry.row().id(), entry.lease().ownerValue(), entry.runId(), entry.tokens(), entry.startedAt());
        } catch (RuntimeException e) {
            return Sealing.FAILED;
        }
    }

    /**
     * Finishes pending rotations nobody holds: a replica that died or shut down left them sealed in PostgreSQL. Each
     * round leases them under an owner of its own, so a fence of an earlier holder on this host never passes for them.
     */
    private void takeOver() {
        Map<UUID, Lease> taken;
        List<PendingRotationRepository.Sealed> free;
        try {
            taken = leases.claimPendingRotations(ring.keyIds(), leases.owner(LeaseOwner.Purpose.ROTATION),
                            config.pendingTakeoverBatch())
                    .stream().collect(java.util.stream.Collectors.toMap(Lease::id, lease -> lease));
            free = taken.isEmpty() ? List.of() : QuarkusTransaction.requiringNew().call(() -> repository.find(taken.keySet()));
        } catch (RuntimeException e) {
            LOG.debugf("Could not look for abandoned pending rotations: %s", e.getClass().getSimpleName());
            return;
        }
        for (PendingRotationRepository.Sealed sealed : free) {
            UUID id = sealed.integrationId();
            Lease lease = taken.get(id);
            TokenSet tokens;
            try {
                tokens = ring.open(id, sealed.sealedTokens());
            } catch (SealedValueException e) {
                // the ring may learn the key (an early re-read has started); a replica that holds it may take the row meanwhile
                LOG.errorf("Integration %s: its pending rotation (key %s) cannot be opened here: %s; left for a replica "
                        + "whose key ring opens it", id, ring.displayName(sealed.keyId()), e.getMessage());
                leases.release(lease);
                continue;
            }
            ClaimedIntegration row = sealed.row(tokens.expiresAt());
            Finish finish = finish(row, lease, sealed.runId(), tokens, sealed.startedAt());
            if (finish == Finish.STORED) {
                LOG.infof("Integration %s: finished the pending rotation another process left", id);
            } else {
                if (finish == Finish.RETRY) {
                    leases.release(lease);
                } else {
                    lease.close();
                }
            }
        }
    }

    /**
     * Writes the tokens to the store where the fence says the row's secret is, then the row (which drops the pending
     * row); nothing at all if the fence refuses.
     */
    private Finish finish(ClaimedIntegration row, Lease lease, UUID runId, TokenSet tokens, Instant startedAt) {
        UUID id = row.id();
        Optional<SecretRef> target;
        try {
            target = lease.fence();
        } catch (RuntimeException e) {
            LOG.warnf("Integration %s: could not confirm the lease before writing the rotated refresh token (%s); will retry",
                    id, e.getClass().getSimpleName());
            return Finish.RETRY;
        }
        if (target.isEmpty()) {
            return Finish.LEASE_GONE;
        }
        try {
            tokenStore.save(target.get(), tokens, lease.forWrite()).await().atMost(tokenStore.callerWait());
        } catch (RuntimeException e) {
            LOG.warnf("Integration %s: rotated refresh token still not stored (%s); will retry", id, e.getClass().getSimpleName());
            try {
                QuarkusTransaction.requiringNew().run(() -> repository.attempted(id, Instant.now()));
            } catch (RuntimeException ignored) {
                // only bookkeeping; the next retry tries again
            }
            return Finish.RETRY;
        }
        // no longer renewed from here: the outcome's guarded write clears the lease, and a renewal must not mistake that
        // for a lease lost to someone else
        lease.close();
        try {
            recorder.stored(row, lease.ownerValue(), runId, tokens, startedAt).await().atMost(tokenStore.callerWait());
        } catch (RuntimeException e) {
            // the store has the tokens; the pending row replays the same write later, which is harmless
            LOG.warnf("Integration %s: rotated refresh token stored, row not yet updated (%s)", id, e.getClass().getSimpleName());
        }
        LOG.infof("Integration %s: rotated refresh token stored after retrying", id);
        return Finish.STORED;
    }
}
