package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.lease.Lease;
import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.tokenstore.AccessToken;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.RunCircuits;
import dev.oauthrefresher.refresh.rotation.PendingRotations;
import dev.oauthrefresher.common.RateLimiter;
import dev.oauthrefresher.common.Traces;
import dev.oauthrefresher.provider.ProviderGateway;
import dev.oauthrefresher.provider.RefreshResult;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreConfig;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.UnreadableTokensException;
import dev.oauthrefresher.tokenstore.VaultBudgetExhaustedException;
import dev.oauthrefresher.tokenstore.VaultNotConfiguredException;
import dev.oauthrefresher.tokenstore.VaultPriority;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Refreshes one claimed integration without blocking: read its tokens, call the provider group's token
 * endpoint, store the new tokens, and classify what happened as an {@link Outcome}. The returned {@link Uni}
 * never fails: anything unexpected becomes a {@code Deferred} outcome, which changes no status.
 */
@ApplicationScoped
public class IntegrationRefresher {

    private static final Logger LOG = Logger.getLogger(IntegrationRefresher.class);
    private static final int MAX_MESSAGE = 300;

    private final TokenStore tokenStore;
    private final ProviderGateway providers;
    private final PendingRotations pending;
    private final RefreshMetrics metrics;
    private final RefreshConfig config;
    private final Backoff backoff;
    private final Traces traces;
    private final boolean writeAccessTokens;
    private final Map<Provider, RateLimiter> rateLimits = new EnumMap<>(Provider.class);

    IntegrationRefresher(TokenStore tokenStore, ProviderGateway providers, PendingRotations pending,
            RefreshMetrics metrics, RefreshConfig config, Traces traces, TokenStoreConfig storeConfig) {
        this.tokenStore = tokenStore;
        this.writeAccessTokens = storeConfig.writeAccessTokens();
        this.traces = traces;
        this.providers = providers;
        this.pending = pending;
        this.metrics = metrics;
        this.config = config;
        this.backoff = new Backoff(config.backoff(), () -> ThreadLocalRandom.current().nextDouble());
        if (config.providerRateLimit() > 0) {
            for (Provider provider : Provider.values()) {
                rateLimits.put(provider, RateLimiter.perSecond(config.providerRateLimit()));
            }
        }
    }

    /** @param priority whom the refresh serves: a run ({@code SCHEDULED}) or a caller waiting for it ({@code ON_DEMAND}) */
    public Uni<Outcome> refresh(ClaimedIntegration row, RunCircuits circuits, Lease lease, UUID runId, VaultPriority priority) {
        return refresh(row, circuits, lease, runId, priority, Context.current());
    }

    /**
     * {@link #refresh} whose span goes under {@code trace}: a run's engine works on threads that carry no trace, so
     * the run names its own.
     */
    public Uni<Outcome> refresh(ClaimedIntegration row, RunCircuits circuits, Lease lease, UUID runId, VaultPriority priority,
            Context trace) {
        Supplier<Attributes> ids = () -> Attributes.of(Traces.INTEGRATION_ID, row.id().toString(), Traces.TENANT_ID, row.tenantId(),
                Traces.PROVIDER, row.provider().code(), Traces.PROVIDER_GROUP, row.providerGroup(),
                Traces.RUN_ID, runId.toString());
        return traces.span("refresh.attempt", trace, ids, attempt -> attempt(row, circuits, lease, runId, priority, attempt)
                .invoke(outcome -> Traces.tag(attempt, Traces.OUTCOME, outcome.kind())));
    }

    private Uni<Outcome> attempt(ClaimedIntegration row, RunCircuits circuits, Lease lease, UUID runId, VaultPriority priority,
            Context attempt) {
        Instant started = Instant.now();
        TokenStore store = tokenStore.withPriority(priority);
        if (circuits.isOpen(row.provider(), row.providerGroup())) {
            return Uni.createFrom().item(new Outcome.Deferred(Outcome.Cause.CIRCUIT_OPEN));
        }
        if (!providers.knowsGroup(row.providerGroup())) {
            return Uni.createFrom().item(unknownGroup(row.providerGroup()));
        }
        RateLimiter limiter = rateLimits.get(row.provider());
        Duration wait = limiter == null ? Duration.ZERO : limiter.reserve();
        Uni<Void> gate = wait.isZero()
                ? Uni.createFrom().voidItem()
                : Uni.createFrom().voidItem().onItem().delayIt().by(wait);
        return gate
                .chain(() -> traces.span("token_store.load", attempt, Attributes::empty, c -> store.load(row.secret())))
                .chain(stored -> {
                    if (stored.isEmpty()) {
                        return Uni.createFrom().<Outcome>item(new Outcome.Errored("tokens_missing",
                                "No tokens are stored for this integration; it must be registered again."));
                    }
                    if (circuits.isOpen(row.provider(), row.providerGroup())) {
                        return Uni.createFrom().<Outcome>item(new Outcome.Deferred(Outcome.Cause.CIRCUIT_OPEN));
                    }
                    TokenSet current = stored.get().tokens();
                    return traces.span("provider.token_call", attempt, () -> Attributes.of(Traces.PROVIDER_GROUP, row.providerGroup()),
                                    c -> providers.refresh(row.providerGroup(), current.refreshToken()))
                            .chain(result -> settle(store, row, current, result, circuits, lease, runId, started, attempt));
                })
                // one operator for every failure: each operator is paid on every refresh's success path too
                .onFailure().recoverWithItem(e -> failed(row, e))
                .invoke(outcome -> metrics.attempt(row.provider(), outcome, Duration.between(started, Instant.now())));
    }

    /** What a failure of the read, the call or the write means for the row; the returned outcome changes no status unless it must. */
    private Outcome failed(ClaimedIntegration row, Throwable e) {
        if (e instanceof VaultNotConfiguredException) {
            metrics.vaultNotConfigured(row.vault());
            return new Outcome.Deferred(Outcome.Cause.VAULT_NOT_CONFIGURED);
        }
        if (e instanceof VaultBudgetExhaustedException) {
            // this replica's vault budget had no permit in time: nothing was called, the row waits for a later claim
            return new Outcome.Deferred(Outcome.Cause.VAULT_BUDGET);
        }
        if (e instanceof UnreadableTokensException) {
            return new Outcome.Errored("tokens_unreadable",
                    "The token store holds no readable token document for this integration; it must be registered again.");
        }
        if (e instanceof TokenStoreException store) {
            // the store already retried what was worth retrying (one retry layer per operation); a refusal such as a
            // 403 is left for an operator and not retried here
            return new Outcome.Deferred(store.isTransient() ? Outcome.Cause.TOKEN_STORE_UNAVAILABLE : Outcome.Cause.TOKEN_STORE_REFUSED);
        }
        LOG.errorf("Integration %s: unexpected %s while refreshing; left untouched", row.id(), e.getClass().getSimpleName());
        return new Outcome.Deferred(Outcome.Cause.INTERNAL_ERROR);
    }

    private Uni<Outcome> settle(TokenStore store, ClaimedIntegration row, TokenSet current, RefreshResult result,
            RunCircuits circuits, Lease lease, UUID runId, Instant started, Context attempt) {
        Instant now = Instant.now();
        if (result instanceof RefreshResult.Refreshed r) {
            recordCall(row, circuits, false);
            return store(store, row, current, r, lease, runId, started, attempt);
        }
        if (result instanceof RefreshResult.GrantRevoked g) {
            recordCall(row, circuits, false);
            return Uni.createFrom().item(new Outcome.Expired(g.errorCode(), describe(g.description(), "The grant was revoked or has expired."),
                    g.httpStatus()));
        }
        if (result instanceof RefreshResult.ClientRejected c) {
            if (circuits.rejectGroup(row.providerGroup())) {
                metrics.groupRejected(row.providerGroup());
                LOG.errorf("Provider group '%s': the token endpoint refused the client credentials (%s, HTTP %d); "
                        + "its integrations are left untouched for the rest of this run",
                        row.providerGroup(), c.errorCode(), c.httpStatus());
            }
            return Uni.createFrom().item(new Outcome.Deferred(Outcome.Cause.CLIENT_REJECTED));
        }
        if (result instanceof RefreshResult.Transient t) {
            recordCall(row, circuits, true);
            Instant next = backoff.nextAttempt(now, row.consecutiveFailures() + 1, t.retryAfter(), row.accessTokenExpiresAt());
            return Uni.createFrom().item(new Outcome.Failed(t.errorCode(), describe(t.description(), t.errorCode()),
                    t.httpStatus(), next));
        }
        if (result instanceof RefreshResult.UnknownGroup u) {
            return Uni.createFrom().item(unknownGroup(u.group()));
        }
        throw new IllegalStateException("Unhandled refresh result " + result.getClass().getSimpleName());
    }

    /**
     * New tokens go to the store before the row changes (with {@code refresher.token-store.write-access-tokens=false}, a
     * kept refresh token is not written again: the new access token goes only beside the row); a rotated refresh token
     * is never dropped while this process holds the row: it is sealed in PostgreSQL first, so it survives a store that
     * refuses it and this process alike.
     * The write is fenced ({@link Lease#fenceAsync}) and goes to the secret the fence names; if the fence refuses,
     * nothing is written.
     */
    private Uni<Outcome> store(TokenStore store, ClaimedIntegration row, TokenSet current, RefreshResult.Refreshed r,
            Lease lease, UUID runId, Instant started, Context attempt) {
        boolean rotated = r.rotatedRefreshToken().isPresent();
        TokenSet next = new TokenSet(r.accessToken(), r.rotatedRefreshToken().orElse(current.refreshToken()),
                r.expiresAt(), r.scope().or(current::scope), r.tokenType());
        if (!r.oddities().isEmpty()) {
            LOG.infof("Integration %s: token response taken despite %s", row.id(), r.oddities());
        }
        if (!rotated && (!writeAccessTokens || row.secret().inDatabase())) {
            // the stored refresh token is still the grant's: the new access token goes only beside the row, which the
            // outcome's guarded update writes (fenced by its lease), so the store is not asked at all. The sealed
            // layout has no reader of its documents but this service, so the setting that keeps vault documents
            // current for hosts reading the vault does not apply to it
            return Uni.createFrom().item(new Outcome.Refreshed(r.expiresAt(), false, r.oddities(), AccessToken.of(next)));
        }
        if (!rotated) {
            return fencedSave(store, row, lease, runId, next, r, started, false, attempt);
        }
        return pending.persist(row, lease, runId, next, started).chain(sealing -> sealing == PendingRotations.Sealing.LEASE_GONE
                ? Uni.createFrom().item(unfenced(row, true))
                : fencedSave(store, row, lease, runId, next, r, started, sealing == PendingRotations.Sealing.SEALED, attempt));
    }

    /**
     * The fence, then the write to the secret it names; {@code sealed} says whether a rotated token is in PostgreSQL.
     * A fence this process proves itself needs no Uni of its own: the write starts at once.
     */
    private Uni<Outcome> fencedSave(TokenStore store, ClaimedIntegration row, Lease lease, UUID runId, TokenSet next,
            RefreshResult.Refreshed r, Instant started, boolean sealed, Context attempt) {
        boolean rotated = r.rotatedRefreshToken().isPresent();
        Optional<SecretRef> here = lease.provenHere();
        if (here.isPresent()) {
            return save(store, row, lease, runId, next, r, started, sealed, attempt, here.get());
        }
        return lease.fenceAsync().chain(target -> target.isEmpty()
                        ? Uni.createFrom().item(unfenced(row, rotated))
                        : save(store, row, lease, runId, next, r, started, sealed, attempt, target.get()))
                .onFailure().recoverWithItem(e -> {
                    // the fence could not be asked (the database did not answer): nothing is written without it
                    LOG.warnf("Integration %s: could not confirm the lease before writing the new tokens (%s)", row.id(),
                            e.getClass().getSimpleName());
                    if (!rotated) {
                        return new Outcome.Deferred(Outcome.Cause.UNFENCED);
                    }
                    pending.hold(new PendingRotations.Pending(row, lease, runId, next, started, sealed));
                    return new Outcome.RotationPending();
                });
    }

    /** The write the fence allowed, to {@code target}. */
    private Uni<Outcome> save(TokenStore store, ClaimedIntegration row, Lease lease, UUID runId, TokenSet next,
            RefreshResult.Refreshed r, Instant started, boolean sealed, Context attempt, SecretRef target) {
        boolean rotated = r.rotatedRefreshToken().isPresent();
        return traces.span("token_store.save", attempt, Attributes::empty, c -> store.save(target, next, lease.forWrite()))
                .<Outcome>map(version -> new Outcome.Refreshed(r.expiresAt(), rotated, r.oddities(), AccessToken.of(next)))
                .onFailure().recoverWithItem(e -> {
                    metrics.tokenStoreWriteFailed(rotated);
                    if (!rotated) {
                        // The old refresh token still works: the next run simply tries again.
                        LOG.warnf("Integration %s: refreshed, but the token store refused the new access token (%s)",
                                row.id(), e.getClass().getSimpleName());
                        return new Outcome.Deferred(Outcome.Cause.TOKEN_STORE_WRITE_FAILED);
                    }
                    pending.hold(new PendingRotations.Pending(row, lease, runId, next, started, sealed));
                    return new Outcome.RotationPending();
                });
    }

    /** The row is no longer this owner's: the new tokens are not written, and a rotated one is not retried here. */
    private Outcome unfenced(ClaimedIntegration row, boolean rotated) {
        if (rotated) {
            LOG.errorf("Integration %s: the provider rotated its refresh token after this process lost the row's lease; "
                    + "this process does not write it (if it was sealed in time the row's current holder finishes it from "
                    + "pending_rotation, unless a reconnect or disconnect replaced the grant)", row.id());
        }
        return new Outcome.Deferred(Outcome.Cause.UNFENCED);
    }

    /**
     * The longest one refresh can take once started: the store read, the slowest provider group's call and the
     * store write, each with its retries. A row is started only with more lease than this left.
     */
    public Duration worstCase() {
        return tokenStore.worstCase().multipliedBy(2).plus(providers.worstCase());
    }

    private static Outcome unknownGroup(String group) {
        return new Outcome.Errored("unknown_provider_group", "Provider group '" + group + "' is not configured.");
    }

    private void recordCall(ClaimedIntegration row, RunCircuits circuits, boolean failed) {
        if (circuits.recordCall(row.provider(), failed)) {
            metrics.providerCircuitOpened(row.provider());
            LOG.errorf("Provider %s failed most token calls in this run; its remaining integrations are deferred",
                    row.provider().code());
        }
    }

    private static String describe(String text, String fallback) {
        String value = text == null || text.isBlank() ? fallback : text;
        return value.length() > MAX_MESSAGE ? value.substring(0, MAX_MESSAGE) : value;
    }
}
