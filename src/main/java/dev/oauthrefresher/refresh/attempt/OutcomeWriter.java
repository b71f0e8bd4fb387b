package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.tokenstore.AccessToken;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.refresh.rotation.RotationRecorder;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.rotation.PendingRotationRepository;
import dev.oauthrefresher.common.GroupCommit;
import dev.oauthrefresher.integration.AccessTokenSeal;
import dev.oauthrefresher.integration.IntegrationEvents;
import dev.oauthrefresher.lease.LeaseKeeper;
import dev.oauthrefresher.lease.LeaseRepository;
import dev.oauthrefresher.integration.IntegrationStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Writes outcomes as guarded updates plus one {@code refresh_attempt} row each, off the event loop. Writes
 * that arrive while a flush is running are grouped into the next transaction, so under load many outcomes
 * share one commit; the first into an idle group waits {@code refresher.refresh.outcome-linger} for company.
 */
@ApplicationScoped
public class OutcomeWriter implements RotationRecorder {

    private static final Logger LOG = Logger.getLogger(OutcomeWriter.class);
    /**
     * A cap on one group commit, not a throughput knob (outcomes queued behind a full batch go into the next at once):
     * it only bounds a transaction's size and lock time, so it stays a constant rather than a setting.
     */
    private static final int MAX_PER_TRANSACTION = 200;

    /** Whether the guarded update applied (the row was still active and ours) and the status it left. */
    public record Written(boolean applied, IntegrationStatus status) {
    }

    /** One outcome to record; {@code sealedAccessToken} is the new access token's sealed value for a refresh, else null. */
    private record Write(ClaimedIntegration row, String owner, UUID runId, Outcome outcome, Instant startedAt,
            Instant finishedAt, byte[] sealedAccessToken, CompletableFuture<Written> done) {
    }

    private final OutcomeRepository integrations;
    private final LeaseRepository leases;
    private final LeaseKeeper keeper;
    private final AttemptRepository attempts;
    private final PendingRotationRepository pendingRotations;
    private final RefreshMetrics metrics;
    private final RefreshConfig config;
    private final IntegrationEvents events;
    private final AccessTokenSeal seal;
    private final GroupCommit<Write> commits;

    OutcomeWriter(OutcomeRepository integrations, LeaseRepository leases, LeaseKeeper keeper, AttemptRepository attempts, PendingRotationRepository pendingRotations,
            RefreshMetrics metrics, RefreshConfig config, IntegrationEvents events, AccessTokenSeal seal) {
        this.integrations = integrations;
        this.leases = leases;
        this.keeper = keeper;
        this.attempts = attempts;
        this.pendingRotations = pendingRotations;
        this.metrics = metrics;
        this.config = config;
        this.events = events;
        this.seal = seal;
        this.commits = new GroupCommit<>(MAX_PER_TRANSACTION, config.outcomeLinger(), this::writeBatch);
    }

    public Uni<Written> write(ClaimedIntegration row, String owner, UUID runId, Outcome outcome, Instant startedAt,
            Instant finishedAt) {
        CompletableFuture<Written> done = new CompletableFuture<>();
        // Sealed here, on the refresh's own thread, not in the group commit: the commit's thread is one for every
        // refresh of the replica and holds its transaction open while it works, and AES-GCM under the image's C1-only
        // JIT costs about 15 µs a value (BENCHMARKS.md, "The seal off the group commit").
        byte[] sealed;
        try {
            sealed = outcome instanceof Outcome.Refreshed r ? seal.seal(row.id(), r.issued(), finishedAt) : null;
        } catch (RuntimeException e) {
            // as a failed commit would: the caller's Uni fails, its run keeps going
            return Uni.createFrom().failure(e);
        }
        commits.add(new Write(row, owner, runId, outcome, startedAt, finishedAt, sealed, done));
        return Uni.createFrom().completionStage(done);
    }

    @Override
    public Uni<Written> stored(ClaimedIntegration row, String owner, UUID runId, TokenSet tokens, Instant startedAt) {
        return write(row, owner, runId, new Outcome.Refreshed(tokens.expiresAt(), true, List.of(), AccessToken.of(tokens)),
                startedAt, Instant.now());
    }

    private void writeBatch(List<Write> batch) {
        try {
            List<Written> results = QuarkusTransaction.requiringNew().call(() -> applyAll(batch));
            for (int i = 0; i < batch.size(); i++) {
                complete(batch.get(i), results.get(i));
            }
        } catch (RuntimeException batchFailure) {
            // One bad row must not cost the others their outcome: retry each on its own.
            for (Write w : batch) {
                try {
                    complete(w, QuarkusTransaction.requiringNew().call(() -> applyAll(List.of(w)).get(0)));
                } catch (RuntimeException e) {
                    LOG.warnf("Could not record the outcome of integration %s: %s", w.row().id(), e.getClass().getSimpleName());
                    w.done().completeExceptionally(e);
                }
            }
        }
    }

    /** A write that found its lease gone is never silently dropped: counted, logged, and reported to the run. */
    private void complete(Write w, Written written) {
        if (!written.applied() && !(w.outcome() instanceof Outcome.Deferred)) {
            keeper.countLost("write");
            LOG.warnf("Integration %s: outcome %s not recorded, the lease of %s was gone (another owner or a lapsed lease)",
                    w.row().id(), w.outcome().kind(), w.owner());
        }
        w.done().complete(written);
    }

    /**
     * Applies a batch in the caller's transaction. Refreshes, nearly every outcome of a run, go to the database as
     * one batched update and every attempt row as one batched insert; the other outcomes one by one.
     */
    private List<Written> applyAll(List<Write> batch) {
        Written[] written = new Written[batch.size()];
        List<AttemptRepository.Attempt> attemptRows = new ArrayList<>(batch.size());
        List<Integer> refreshed = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Write w = batch.get(i);
            if (w.outcome() instanceof Outcome.Refreshed r) {
                refreshed.add(i);
                attemptRows.add(attempt(w, OptionalInt.empty(), null, r.oddities().isEmpty() ? null : String.join(",", r.oddities())));
            } else {
                written[i] = apply(w, attemptRows);
            }
        }
        if (!refreshed.isEmpty()) {
            // rows locked in PostgreSQL's uuid order, as a lease renewal locks them (ORDER BY id FOR UPDATE), so
            // the two never wait on each other crosswise (a deadlock that aborts the whole batch)
            refreshed.sort(Comparator.comparing(i -> batch.get(i).row().id(), OutcomeWriter::uuidOrder));
            // the new access token goes beside the row in the statement that records it, so the row never names a token
            // it does not hold
            boolean[] applied = integrations.markAllRefreshed(refreshed.stream().map(batch::get)
                    .map(w -> new OutcomeRepository.RefreshedRow(w.row().id(), w.owner(),
                            ((Outcome.Refreshed) w.outcome()).newExpiry(), w.finishedAt(), w.sealedAccessToken()))
                    .toList());
            for (int k = 0; k < applied.length; k++) {
                Write w = batch.get(refreshed.get(k));
                written[refreshed.get(k)] = new Written(applied[k], IntegrationStatus.ACTIVE);
                if (applied[k] && ((Outcome.Refreshed) w.outcome()).rotated()) {
                    // the store holds the rotated token and the row says so: nothing is pending. A row whose update did
                    // not apply keeps its pending row for whoever holds it now (a reconnect or disconnect removes it).
                    pendingRotations.delete(w.row().id());
                }
            }
        }
        attempts.insertAll(attemptRows);
        return Arrays.asList(written);
    }

    /** One outcome's guarded write, other than a refresh; its attempt row, if it has one, joins {@code attemptRows}. */
    private Written apply(Write w, List<AttemptRepository.Attempt> attemptRows) {
        Instant now = w.finishedAt();
        ClaimedIntegration row = w.row();
        Outcome outcome = w.outcome();
        Written written;
        OptionalInt providerStatus = OptionalInt.empty();
        String errorCode = null;
        if (outcome instanceof Outcome.Expired e) {
            written = new Written(integrations.markExpired(row.id(), w.owner(), e.code(), e.message(), now), IntegrationStatus.EXPIRED);
            providerStatus = OptionalInt.of(e.httpStatus());
            errorCode = e.code();
        } else if (outcome instanceof Outcome.Errored e) {
            written = new Written(integrations.markError(row.id(), w.owner(), e.code(), e.message(), now), IntegrationStatus.ERROR);
            errorCode = e.code();
        } else if (outcome instanceof Outcome.Failed f) {
            written = integrations.recordTransientFailure(row.id(), w.owner(), f.code(), f.message(), f.nextAttemptAt(),
                            config.errorThreshold().failures(), now.minus(config.errorThreshold().span()), now)
                    .map(status -> new Written(true, status))
                    .orElse(new Written(false, IntegrationStatus.ACTIVE));
            providerStatus = f.httpStatus();
            errorCode = f.code();
        } else if (outcome instanceof Outcome.Deferred d) {
            written = new Written(leases.release(List.of(row.id()), w.owner()) == 1, IntegrationStatus.ACTIVE);
            errorCode = d.cause().code();
            if (!d.attempted()) {
                return written;
            }
        } else if (outcome instanceof Outcome.RotationPending) {
            // The row stays leased: PendingRotations settles it once the token store takes the new token.
            written = new Written(true, IntegrationStatus.ACTIVE);
            errorCode = Outcome.RotationPending.REASON;
        } else {
            throw new IllegalStateException("Unhandled outcome " + outcome.getClass().getSimpleName());
        }
        // the status change's webhook event joins this transaction (outbox), so neither exists without the other
        if (written.applied() && written.status() != IntegrationStatus.ACTIVE) {
            events.statusChanged(row.id(), IntegrationStatus.ACTIVE);
        }
        attemptRows.add(attempt(w, providerStatus, errorCode, null));
        return written;
    }

    /** PostgreSQL orders uuids by their bytes, unsigned; {@link UUID#compareTo} compares signed halves. */
    private static int uuidOrder(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }

    private static AttemptRepository.Attempt attempt(Write w, OptionalInt providerStatus, String errorCode, String note) {
        return new AttemptRepository.Attempt(w.row().id(), w.row().tenantId(), w.runId(), w.startedAt(),
                w.finishedAt(), w.outcome().kind(), providerStatus, errorCode, note);
    }
}
