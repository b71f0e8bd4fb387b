package dev.oauthrefresher.token;

import dev.oauthrefresher.access.ApiKeyService;
import dev.oauthrefresher.access.TenantKey;
import dev.oauthrefresher.audit.AuditWriter;
import dev.oauthrefresher.lease.Lease;
import dev.oauthrefresher.lease.LeaseOwner;
import dev.oauthrefresher.lease.LeaseRepository;
import dev.oauthrefresher.lease.Leases;
import dev.oauthrefresher.tokenstore.AccessToken;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.attempt.LeasedRefresh;
import dev.oauthrefresher.common.Blocking;
import dev.oauthrefresher.common.DatabaseDown;
import dev.oauthrefresher.common.KeyedRateLimits;
import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.common.Traces;
import dev.oauthrefresher.integration.AccessTokenSeal;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationStatus;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.VaultBudgetExhaustedException;
import dev.oauthrefresher.tokenstore.VaultNotConfiguredException;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Hands a tenant's worker a usable access token. A token valid long enough comes from beside the row (sealed in
 * PostgreSQL, {@link AccessTokenSeal}) or, where no current one is there, from the token store, through
 * {@link AccessTokenCache}; otherwise the integration is refreshed now by the same {@link IntegrationRefresher}
 * and {@link OutcomeWriter} as a run, under the same lease. Concurrent callers in this process share one refresh
 * ({@link SingleFlight}); a caller that finds the row leased by a run or by another replica polls the row until
 * that refresh settles (bounded by {@code refresher.on-demand.wait-for-refresh}) and then serves its result.
 * Every answer is audited, and a token leaves only once its audit row is committed.
 *
 * <p>A read costs one query ({@link AccessTokenReadRepository}): the presenting key's liveness, the row and its sealed
 * token together, so a key revoked on another replica is refused here on its next request although this replica's key
 * cache still holds it. A stored token costs no token-store call, and a refresh answers with the token it produced.
 */
@ApplicationScoped
public class AccessTokenService {

    /** A token for the caller, and whether it was issued during this request. */
    record Issued(AccessToken token, boolean refreshed) {

        /** Whether the token stays valid {@code seconds} from {@code now}: false when the provider issues shorter ones. */
        boolean satisfies(Instant now, long seconds) {
            return token.validFor(now, seconds);
        }
    }

    private record Load(UUID id, long version) {
    }

    private final AccessTokenReadRepository reads;
    private final ApiKeyService keys;
    private final TokenStore tokenStore;
    private final LeasedRefresh leasedRefresh;
    private final AuditWriter audit;
    private final AccessTokenCache cache;
    private final AccessTokenMetrics metrics;
    private final OnDemandConfig config;
    private final RefreshConfig refreshConfig;
    private final Leases leases;
    private final Traces traces;
    private final AccessTokenSeal seal;
    private final SingleFlight<UUID, Issued> refreshes = new SingleFlight<>();
    private final SingleFlight<Load, AccessToken> loads = new SingleFlight<>();
    private final KeyedRateLimits<String> tenantRefreshes;

    AccessTokenService(AccessTokenReadRepository reads, ApiKeyService keys, TokenStore tokenStore, LeasedRefresh leasedRefresh,
            AuditWriter audit, AccessTokenCache cache, AccessTokenMetrics metrics,
            OnDemandConfig config, RefreshConfig refreshConfig, Leases leases, Traces traces, AccessTokenSeal seal) {
        this.reads = reads;
        this.keys = keys;
        this.seal = seal;
        this.traces = traces;
        this.tokenStore = tokenStore;
        this.leasedRefresh = leasedRefresh;
        this.audit = audit;
        this.cache = cache;
        this.metrics = metrics;
        this.config = config;
        this.refreshConfig = refreshConfig;
        this.leases = leases;
        this.tenantRefreshes = KeyedRateLimits.perSecond(config.tenantRefreshesPerSecond());
    }

    /**
     * A token valid for at least {@code minValidSeconds} (if the provider issues one that long), refreshed first
     * if needed or if {@code force} and the last refresh is older than the force interval. Fails with a
     * {@link ProblemException}: 401 ({@code key} revoked since this replica authenticated it), 404, 424 (reconnect
     * required), 503 with {@code Retry-After}.
     */
    Uni<Issued> accessToken(TenantKey key, UUID id, long minValidSeconds, boolean force) {
        return traces.span("token.access", Context.current(),
                () -> Attributes.of(Traces.TENANT_ID, key.tenantId(), Traces.INTEGRATION_ID, id.toString()),
                span -> issue(key, id, minValidSeconds, force)
                        .invoke(issued -> Traces.tag(span, Traces.OUTCOME, issued.refreshed() ? "refreshed" : "served")));
    }

    private Uni<Issued> issue(TenantKey key, UUID id, long minValidSeconds, boolean force) {
        String tenantId = key.tenantId();
        String actor = key.actor();
        return readRow(key, id)
                .chain(row -> issue(key, row, minValidSeconds, force))
                .call(issued -> audit.record(actor, "token.read", tenantId, id,
                        "refreshed=" + issued.refreshed() + " outcome=issued").onFailure().transform(e -> {
                    metrics.read("audit_failed");
                    return new ProblemException(ProblemType.AUDIT_UNAVAILABLE,
                            "The token read could not be audited, so no token is returned. Try again.");
                }))
                .invoke(issued -> metrics.read(issued.refreshed() ? "refreshed" : "served"))
                .onFailure(ProblemException.class).call(e -> auditRefusal(actor, tenantId, id, (ProblemException) e));
    }

    private Uni<Issued> issue(TenantKey key, Integration row, long minValidSeconds, boolean force) {
        Instant now = Instant.now();
        requireActive(row);
        Predicate<Integration> needsRefresh = current -> needsRefresh(current, minValidSeconds, force, Instant.now());
        if (!needsRefresh.test(row)) {
            // the stored token is served if the row's promise holds for it (a store that lags the row is refreshed)
            return stored(row).chain(token -> token.validFor(now, minValidSeconds)
                    || (withinRefreshFloor(row, now) && token.validFor(now, 0))
                    ? Uni.createFrom().item(new Issued(token, false))
                    : refresh(key, row, current -> true));
        }
        return refresh(key, row, needsRefresh);
    }

    /**
     * A forced refresh counts only if the last one is older than the force interval; otherwise a token is refreshed
     * when it is not valid {@code minValidSeconds} more, unless this service refreshed it within the floor.
     */
    private boolean needsRefresh(Integration row, long minValidSeconds, boolean force, Instant now) {
        if (force && row.lastRefreshedAt().isBefore(now.minus(config.forceRefreshMinInterval()))) {
            return true;
        }
        if (!row.accessTokenExpiresAt().isAfter(now)) {
            return true;
        }
        return row.accessTokenExpiresAt().isBefore(now.plusSeconds(minValidSeconds)) && !withinRefreshFloor(row, now);
    }

    /**
     * Whether the row's access token came from a refresh of this service less than {@code refresh-floor} of its
     * lifetime ago. Only a refresh writes {@code last_attempt_at} together with {@code last_refreshed_at}:
     * registration leaves it empty and a reconnect leaves it older, and a token a host handed in has an unknown
     * age, so those are never held back.
     */
    private boolean withinRefreshFloor(Integration row, Instant now) {
        Instant refreshed = row.lastRefreshedAt();
        if (row.lastAttemptAt() == null || row.lastAttemptAt().isBefore(refreshed)) {
            return false;
        }
        Duration lifetime = Duration.between(refreshed, row.accessTokenExpiresAt());
        Duration floor = Duration.ofMillis((long) (lifetime.toMillis() * config.refreshFloor()));
        return now.isBefore(refreshed.plus(floor));
    }

    /**
     * The stored access token: from the cache while the row's version is unchanged, else the one sealed beside the row
     * while it matches the row ({@link AccessTokenSeal}), else one store read (a row no refresh of this release wrote
     * since, or a value that does not open).
     */
    private Uni<AccessToken> stored(Integration row) {
        Optional<AccessToken> cached = cache.get(row.id(), row.version());
        if (cached.isPresent()) {
            return Uni.createFrom().item(cached.get());
        }
        Optional<AccessToken> beside = seal.open(row);
        if (beside.isPresent()) {
            cache.put(row.id(), row.version(), beside.get());
            return Uni.createFrom().item(beside.get());
        }
        Load load = new Load(row.id(), row.version());
        return loads.run(load, () -> {
            metrics.storeRead();
            return tokenStore.load(row.secretRef()).map(found -> {
                AccessToken token = AccessToken.of(found.orElseThrow(() -> new ProblemException(ProblemType.INTEGRATION_ERROR,
                        "No tokens are stored for integration " + row.id() + "; reconnect it.")).tokens());
                cache.put(row.id(), row.version(), token);
                return token;
            });
        }).map(result -> {
            if (result.joined()) {
                metrics.joined("store_read");
            }
            return result.value();
        }).onFailure(TokenStoreException.class).transform(e -> e instanceof VaultBudgetExhaustedException busy
                ? ProblemException.vaultBudgetExhausted(busy.retryAfter().orElse(config.retryAfter()))
                : unavailable(e instanceof VaultNotConfiguredException ? e.getMessage()
                        : "The token store did not answer; try again.", config.retryAfter()));
    }

    private Uni<Issued> refresh(TenantKey key, Integration row, Predicate<Integration> needsRefresh) {
        Instant now = Instant.now();
        if (row.nextAttemptAt() != null && row.nextAttemptAt().isAfter(now)) {
            throw unavailable("Integration " + row.id() + " is backing off after failed refreshes ("
                    + row.lastErrorCode() + ").", Duration.between(now, row.nextAttemptAt()));
        }
        return refreshes.run(row.id(), () -> {
                    // the tenant's budget is spent by the caller that starts a refresh, never by those that join it
                    Optional<Duration> wait = tenantRefreshes.tryAcquire(row.tenantId());
                    if (wait.isPresent()) {
                        throw tenantBudgetSpent(wait.get());
                    }
                    return lead(key, row.id(), needsRefresh, Instant.now(), true);
                })
                .map(result -> {
                    if (result.joined()) {
                        metrics.joined("refresh");
                    }
                    return result.value();
                });
    }

    /**
     * This process's one refresh of the row: lease it and refresh, or wait for whoever holds the lease. The row
     * the lease returns is checked again: a caller that read it just before another refresh finished finds the
     * new token there and gives the lease back instead of refreshing a second time, serving it from the row the claim
     * returned (no read-back).
     */
    private Uni<Issued> lead(TenantKey key, UUID id, Predicate<Integration> needsRefresh, Instant since, boolean mayClaim) {
        UUID runId = UUID.randomUUID();
        LeaseOwner owner = leases.owner(LeaseOwner.Purpose.REFRESH, runId);
        return Blocking.call(() -> {
                    Optional<Leases.Claim> claimed = leases.claim(id, LeaseRepository.Terms.REFRESH, owner);
                    if (claimed.isPresent() && !needsRefresh.test(claimed.get().row())) {
                        leases.release(claimed.get().lease());
                    }
                    return claimed;
                })
                .onFailure(DatabaseDown::is).transform(e -> ProblemException.databaseUnavailable())
                .chain(claimed -> {
                    if (claimed.isEmpty()) {
                        return awaitOther(key, id, needsRefresh, since, mayClaim);
                    }
                    if (!needsRefresh.test(claimed.get().row())) {
                        return stored(claimed.get().row()).map(token -> new Issued(token, true));
                    }
                    return refreshLeased(ClaimedIntegration.of(claimed.get().row()), claimed.get().lease(), runId);
                });
    }

    private Uni<Issued> refreshLeased(ClaimedIntegration row, Lease lease, UUID runId) {
        return leasedRefresh.refresh(row, lease, runId)
                .map(settled -> {
                    metrics.onDemandRefresh(settled.outcome().kind());
                    if (!settled.written().applied()) {
                        throw unavailable("Integration " + row.id() + " changed while it was being refreshed.", config.retryAfter());
                    }
                    return settled.outcome();
                })
                .map(outcome -> settled(row.id(), outcome));
    }

    private Issued settled(UUID id, Outcome outcome) {
        if (outcome instanceof Outcome.Refreshed refreshed) {
            // the token just written, served as it is: reading it back would cost a query or a store call per refresh
            return new Issued(refreshed.issued(), true);
        }
        if (outcome instanceof Outcome.Expired e) {
            throw reconnectRequired(id, e.code());
        }
        if (outcome instanceof Outcome.Errored e) {
            throw integrationError(id, e.code());
        }
        if (outcome instanceof Outcome.Failed f) {
            throw unavailable("The provider did not refresh integration " + id + " (" + f.code() + ").",
                    Duration.between(Instant.now(), f.nextAttemptAt()));
        }
        if (outcome instanceof Outcome.RotationPending) {
            throw unavailable("Integration " + id + " was refreshed but its new tokens are not stored yet.",
                    refreshConfig.pendingRetryInterval());
        }
        Outcome.Deferred d = (Outcome.Deferred) outcome;
        if (d.cause() == Outcome.Cause.VAULT_BUDGET) {
            throw ProblemException.vaultBudgetExhausted(config.retryAfter());
        }
        throw unavailable("The refresh of integration " + id + " was deferred (" + d.cause().code() + ").", config.retryAfter());
    }

    /**
     * Someone else holds the lease (a run, another replica) or the tenant is paused: poll the row until the lease
     * is gone, then serve what that refresh left, or claim once more if it left nothing usable.
     */
    private Uni<Issued> awaitOther(TenantKey key, UUID id, Predicate<Integration> needsRefresh, Instant since,
            boolean mayClaim) {
        long deadline = System.nanoTime() + config.waitForRefresh().toNanos();
        return pollWhileLeased(key, id, deadline).chain(row -> {
            Instant now = Instant.now();
            requireActive(row);
            if (isLeased(row, now)) {
                throw unavailable("Integration " + id + " is still being refreshed elsewhere.", Duration.ofSeconds(1));
            }
            if (row.lastRefreshedAt().isAfter(since)) {
                return stored(row).map(token -> new Issued(token, true));
            }
            if (row.nextAttemptAt() != null && row.nextAttemptAt().isAfter(now)) {
                throw unavailable("The provider did not refresh integration " + id + " (" + row.lastErrorCode() + ").",
                        Duration.between(now, row.nextAttemptAt()));
            }
            if (mayClaim) {
                return lead(key, id, needsRefresh, since, false);
            }
            throw unavailable("Integration " + id + " cannot be refreshed now (its tenant may be paused).",
                    Duration.ofSeconds(30));
        });
    }

    private Uni<Integration> pollWhileLeased(TenantKey key, UUID id, long deadlineNanos) {
        return readRow(key, id).chain(row -> {
            if (!isLeased(row, Instant.now()) || System.nanoTime() - deadlineNanos > 0) {
                return Uni.createFrom().item(row);
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(config.pollInterval())
                    .chain(() -> pollWhileLeased(key, id, deadlineNanos));
        });
    }

    /**
     * The tenant's row and its sealed token, in one query that also proves {@code key} still unrevoked: this replica
     * authenticated the key from memory ({@code valid-key-cache-ttl}), and another replica may have revoked it since.
     * A revoked key is forgotten here and refused with the 401 of any invalid key.
     */
    private Uni<Integration> readRow(TenantKey key, UUID id) {
        return Blocking.call(() -> reads.read(key.id(), key.tenantId(), id))
                .onFailure(DatabaseDown::is).transform(e -> ProblemException.databaseUnavailable())
                .map(read -> {
                    if (read instanceof AccessTokenReadRepository.Found found) {
                        return found.row();
                    }
                    if (read instanceof AccessTokenReadRepository.KeyRevoked) {
                        keys.forgetRevoked(key);
                        throw ProblemException.unauthorized();
                    }
                    cache.evict(id);
                    throw ProblemException.notFound("Integration " + id + " does not exist for this tenant.");
                });
    }

    private Uni<Void> auditRefusal(String actor, String tenantId, UUID id, ProblemException refusal) {
        String outcome = switch (refusal.status()) {
            case 404 -> "not_found";
            case 429 -> "tenant_budget";
            case 424 -> "reconnect_required";
            default -> "unavailable";
        };
        if (refusal.type().equals("audit-unavailable") || refusal.status() == 401) {
            // a 401 is the key's revocation seen here: not a read of the tenant's, and not audited as one
            return Uni.createFrom().voidItem();
        }
        metrics.read(outcome);
        if (refusal.status() == 404) {
            // nothing of this tenant's was touched; the key's use is in its lastUsedAt
            return Uni.createFrom().voidItem();
        }
        return audit.record(actor, "token.read", tenantId, id,
                "refreshed=false outcome=" + outcome + " status=" + refusal.status()).onFailure().recoverWithNull();
    }

    private static boolean isLeased(Integration row, Instant now) {
        return row.leaseExpiresAt() != null && row.leaseExpiresAt().isAfter(now);
    }

    private static void requireActive(Integration row) {
        if (row.status() == IntegrationStatus.EXPIRED) {
            throw reconnectRequired(row.id(), row.lastErrorCode());
        }
        if (row.status() == IntegrationStatus.ERROR) {
            throw integrationError(row.id(), row.lastErrorCode());
        }
    }

    private static ProblemException reconnectRequired(UUID id, String code) {
        return new ProblemException(ProblemType.RECONNECT_REQUIRED, "The grant of integration " + id
                + " is revoked or expired (" + code + "): the user must consent again, then PUT the new tokens.");
    }

    private static ProblemException integrationError(UUID id, String code) {
        return new ProblemException(ProblemType.INTEGRATION_ERROR, "Integration " + id
                + " is in error (" + code + "): reconnect it with new tokens, or ask the operator.");
    }

    private ProblemException tenantBudgetSpent(Duration wait) {
        long seconds = RetryAfter.seconds(wait);
        return new ProblemException(ProblemType.TENANT_REFRESH_BUDGET,
                "This tenant started more on-demand refreshes than refresher.on-demand.tenant-refreshes-per-second ("
                        + config.tenantRefreshesPerSecond() + ") allows on this replica; retry after " + seconds + " s.",
                wait);
    }

    private static ProblemException unavailable(String detail, Duration retryAfter) {
        return new ProblemException(ProblemType.TOKEN_UNAVAILABLE, detail, retryAfter);
    }

}
