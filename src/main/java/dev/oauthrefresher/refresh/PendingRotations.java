package dev.oauthrefresher.refresh;

import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
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
 * (PostgreSQL, AES-256-GCM) before the store is even asked, so it outlives this process; while that row exists
 * no replica refreshes the integration, and any replica holding the key finishes the write: this process retries
 * its own entries, and every replica takes over those whose lease has lapsed or was released at shutdown.
 */
@ApplicationScoped
public class PendingRotations {

    private static final Logger LOG = Logger.getLogger(PendingRotations.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    private static final int TAKE_OVER_BATCH = 50;

    /** A rotation this process is settling; {@code persisted} says whether it is sealed in PostgreSQL. */
    record Pending(ClaimedIntegration row, String owner, UUID runId, TokenSet tokens, Instant startedAt, boolean persisted) {
    }

    private final Map<UUID, Pending> local = new ConcurrentHashMap<>();
    private final TokenStore tokenStore;
    private final PendingRotationRepository repository;
    private final PendingRotationCipher cipher;
    private final IntegrationRepository integrations;
    private final OutcomeWriter writer;
    private final LeaseKeeper leases;
    private final RefreshConfig config;
    private final String takeOverOwner = LeaseKeeper.HOST + "/pending-rotations";

    PendingRotations(TokenStore tokenStore, PendingRotationRepository repository, PendingRotationCipher cipher,
            IntegrationRepository integrations, OutcomeWriter writer, LeaseKeeper leases, RefreshConfig config) {
        this.tokenStore = tokenStore;
        this.repository = repository;
        this.cipher = cipher;
        this.integrations = integrations;
        this.writer = writer;
        this.leases = leases;
        this.config = config;
    }

    /**
     * Seals {@code tokens} into {@code pending_rotation} on a worker thread; true once committed. False (logged)
     * if the database refused: the store write is still attempted, and if the store refuses too the tokens are
     * kept in this process only.
     */
    Uni<Boolean> persist(ClaimedIntegration row, UUID runId, TokenSet tokens, Instant startedAt) {
        return Uni.createFrom().item(() -> {
            byte[] sealed = cipher.seal(row.id(), tokens);
            QuarkusTransaction.requiringNew().run(() -> repository.save(row.id(), sealed, cipher.keyId(), runId, startedAt));
            return Boolean.TRUE;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure().recoverWithItem(e -> {
                    LOG.errorf("Integration %s: could not record the rotated refresh token in PostgreSQL (%s); "
                            + "it lives in this process until the token store takes it", row.id(), e.getClass().getSimpleName());
                    return Boolean.FALSE;
                });
    }

    /** The store refused the rotated token: keep the row leased and retry every {@code pending-retry-interval}. */
    void hold(Pending entry) {
        local.put(entry.row().id(), entry);
        leases.hold(entry.row().id(), entry.owner(), Instant.now().plus(config.lease()));
        LOG.errorf("Integration %s: the provider rotated its refresh token and the token store refused the new one; "
                + "%s, retrying every %s (the row stays leased meanwhile)", entry.row().id(),
                entry.persisted() ? "sealed in PostgreSQL" : "held in memory only", config.pendingRetryInterval());
    }

    /** Rotations this process is settling itself. */
    public int size() {
        return local.size();
    }

    @Scheduled(every = "${refresher.refresh.pending-retry-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        for (Pending entry : List.copyOf(local.values())) {
            Pending current = entry.persisted() ? entry : persistLate(entry);
            if (finish(current.row(), current.owner(), current.runId(), current.tokens(), current.startedAt())) {
                local.remove(current.row().id());
            }
        }
        takeOver();
    }

    /**
     * Gives this process's persisted pending rotations to the other replicas (shutdown): their leases are
     * released, so the next replica's retry takes them over at once. Entries that never reached PostgreSQL
     * cannot be handed on; each is logged.
     */
    void handOver() {
        for (Pending entry : List.copyOf(local.values())) {
            UUID id = entry.row().id();
            if (!entry.persisted()) {
                LOG.errorf("Integration %s: shutting down with a rotated refresh token that neither the token store nor "
                        + "PostgreSQL accepted; it is lost and the integration must be reconnected", id);
                continue;
            }
            try {
                QuarkusTransaction.requiringNew().run(() -> integrations.release(List.of(id), entry.owner()));
                local.remove(id);
                leases.forget(id);
            } catch (RuntimeException e) {
                LOG.warnf("Integration %s: could not release the pending rotation's lease (%s); another replica takes "
                        + "it over when the lease lapses", id, e.getClass().getSimpleName());
            }
        }
    }

    /** An entry the database refused when it was new: sealed now if the database is back, so it outlives us. */
    private Pending persistLate(Pending entry) {
        try {
            byte[] sealed = cipher.seal(entry.row().id(), entry.tokens());
            QuarkusTransaction.requiringNew().run(() -> repository.save(entry.row().id(), sealed, cipher.keyId(),
                    entry.runId(), entry.startedAt()));
        } catch (RuntimeException e) {
            return entry;
        }
        Pending persisted = new Pending(entry.row(), entry.owner(), entry.runId(), entry.tokens(), entry.startedAt(), true);
        local.put(entry.row().id(), persisted);
        return persisted;
    }

    /** Finishes pending rotations nobody holds: a replica that died or shut down left them sealed in PostgreSQL. */
    private void takeOver() {
        List<PendingRotationRepository.Sealed> free;
        try {
            Instant now = Instant.now();
            free = QuarkusTransaction.requiringNew().call(() -> repository.takeOver(cipher.keyId(), takeOverOwner, now,
                    now.plus(config.lease()), TAKE_OVER_BATCH));
        } catch (RuntimeException e) {
            LOG.debugf("Could not look for abandoned pending rotations: %s", e.getClass().getSimpleName());
            return;
        }
        for (PendingRotationRepository.Sealed sealed : free) {
            UUID id = sealed.integrationId();
            Optional<TokenSet> tokens = cipher.open(id, sealed.sealedTokens());
            if (tokens.isEmpty()) {
                LOG.errorf("Integration %s: its pending rotation cannot be opened with this key (%s); left for a replica "
                        + "with the key that sealed it (%s)", id, cipher.keyId(), sealed.keyId());
                continue;
            }
            ClaimedIntegration row = sealed.row(tokens.get().expiresAt());
            leases.hold(id, takeOverOwner, Instant.now().plus(config.lease()));
            if (finish(row, takeOverOwner, sealed.runId(), tokens.get(), sealed.startedAt())) {
                LOG.infof("Integration %s: finished the pending rotation another process left", id);
            } else {
                leases.forget(id);
                QuarkusTransaction.requiringNew().run(() -> integrations.release(List.of(id), takeOverOwner));
            }
        }
    }

    /** Writes the tokens to the store, then the row (which drops the pending row); true once the store took them. */
    private boolean finish(ClaimedIntegration row, String owner, UUID runId, TokenSet tokens, Instant startedAt) {
        UUID id = row.id();
        try {
            tokenStore.save(row.secret(), tokens).await().atMost(WRITE_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warnf("Integration %s: rotated refresh token still not stored (%s); will retry", id, e.getClass().getSimpleName());
            try {
                QuarkusTransaction.requiringNew().run(() -> repository.attempted(id, Instant.now()));
            } catch (RuntimeException ignored) {
                // only bookkeeping; the next retry tries again
            }
            return false;
        }
        try {
            Outcome refreshed = new Outcome.Refreshed(tokens.expiresAt(), true, List.of(), AccessToken.of(tokens));
            writer.write(row, owner, runId, refreshed, startedAt, Instant.now()).await().atMost(WRITE_TIMEOUT);
        } catch (RuntimeException e) {
            // the store has the tokens; the pending row replays the same write later, which is harmless
            LOG.warnf("Integration %s: rotated refresh token stored, row not yet updated (%s)", id, e.getClass().getSimpleName());
        }
        leases.forget(id);
        LOG.infof("Integration %s: rotated refresh token stored after retrying", id);
        return true;
    }
}
