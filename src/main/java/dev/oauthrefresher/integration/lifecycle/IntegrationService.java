package dev.oauthrefresher.integration.lifecycle;

import dev.oauthrefresher.integration.AccessTokenSeal;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationDtos;
import dev.oauthrefresher.integration.IntegrationEvents;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.integration.IntegrationStatus;
import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.provider.ProviderGroups;
import dev.oauthrefresher.common.Blocking;
import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationPage;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationDtos.ReconnectIntegration;
import dev.oauthrefresher.integration.IntegrationDtos.RegisterIntegration;
import dev.oauthrefresher.tenant.TenantService;
import dev.oauthrefresher.lease.Lease;
import dev.oauthrefresher.lease.LeaseOwner;
import dev.oauthrefresher.lease.LeaseRepository;
import dev.oauthrefresher.lease.Leases;
import dev.oauthrefresher.revocation.Revocations;
import dev.oauthrefresher.tokenstore.AccessToken;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.UnreadableTokensException;
import dev.oauthrefresher.tokenstore.VaultBudgetExhaustedException;
import dev.oauthrefresher.tokenstore.Vaults;
import dev.oauthrefresher.tokenstore.sweep.OrphanCompensation;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.hibernate.exception.ConstraintViolationException;

/**
 * An integration's lifecycle (register, reconnect, disconnect) and the reads of both API surfaces (admin and
 * tenant); tokens go to the token store, and the access token also beside the row ({@link AccessTokenSeal}).
 */
@ApplicationScoped
public class IntegrationService {

    private static final Logger LOG = Logger.getLogger(IntegrationService.class);
    /** The unique key on (tenant_id, provider, external_account), V1__schema.sql. */
    private static final String ACCOUNT_UNIQUE = "integration_account_unique";

    private final IntegrationRepository integrations;
    private final TenantService tenants;
    private final TokenStore tokenStore;
    private final AuditLog audit;
    private final ProviderGroups providerGroups;
    private final IntegrationEvents events;
    private final Vaults vaults;
    private final Leases leases;
    private final LifecycleConfig config;
    private final Revocations revocations;
    private final OrphanCompensation orphans;
    private final AccessTokenSeal seal;

    IntegrationService(IntegrationRepository integrations, TenantService tenants, TokenStore tokenStore, AuditLog audit,
            ProviderGroups providerGroups, IntegrationEvents events, Vaults vaults, Leases leases, LifecycleConfig config,
            Revocations revocations, OrphanCompensation orphans, AccessTokenSeal seal) {
        this.integrations = integrations;
        this.tenants = tenants;
        this.tokenStore = tokenStore;
        this.audit = audit;
        this.providerGroups = providerGroups;
        this.events = events;
        this.vaults = vaults;
        this.leases = leases;
        this.config = config;
        this.revocations = revocations;
        this.orphans = orphans;
        this.seal = seal;
    }

    /**
     * Registers in three steps, so that no database connection is held while the token store is called: (1) inserts
     * the row with its vault ({@link Vaults#assign}, recorded for good) already leased to this registration, with its
     * audit row, and commits; (2) stores the tokens; (3) releases the lease. Until then no run or on-demand caller
     * refreshes the row (it is leased), so nothing reads tokens not stored yet. If the store refuses them, the row
     * is deleted again and the caller gets 503; if the write may still land (no answer came), the secret it leaves is
     * deleted later unless a row has it ({@link OrphanCompensation}). The insert takes the tenant/provider/account unique key, so a
     * concurrent duplicate fails with 409 before it writes any secret: the loser of a race never touches the store,
     * so it cannot orphan a secret nor overwrite or delete the winner's.
     */
    public Uni<IntegrationView> register(String tenantId, RegisterIntegration request) {
        // the caller, read now on the request's thread: the transactions below run on worker threads
        String actor = audit.currentActor();
        TokenSet tokens = new TokenSet(Secret.of(request.accessToken()), Secret.of(request.refreshToken()),
                request.accessTokenExpiresAt(), Optional.ofNullable(request.scope()), request.tokenType());
        return register(new Registration(actor, tenantId, Provider.fromCode(request.provider()), request.providerGroup(),
                request.externalAccount(), "integration.register", false), tokens);
    }

    /**
     * Registers the grant of a consent the hosted flow ran ({@code connect/}), for the tenant whose connect session it
     * was, as {@link #register} does (the same three steps, the same checks), audited as {@code integration.connect} by
     * {@code actor} (the key that created the session) and announced as {@code integration.connected} once the tokens
     * are stored.
     */
    public Uni<IntegrationView> connect(String actor, String tenantId, Provider provider, String providerGroup,
            String externalAccount, TokenSet tokens) {
        return register(new Registration(actor, tenantId, provider, providerGroup, externalAccount, "integration.connect",
                true), tokens);
    }

    /** Who registers what: the row's fields, the audit action, and whether the registration is announced. */
    private record Registration(String actor, String tenantId, Provider provider, String providerGroup,
            String externalAccount, String auditAction, boolean announce) {
    }

    private Uni<IntegrationView> register(Registration registration, TokenSet tokens) {
        UUID id = UUID.randomUUID();
        LeaseOwner owner = leases.owner(LeaseOwner.Purpose.LIFECYCLE);
        return Blocking.call(() -> insertLeased(registration, id, tokens.expiresAt(), owner))
                .chain(inserted -> registered(inserted, owner, tokens, registration));
    }

    /** Steps (2) and (3) of {@link #register}: the row is in and leased (renewed from here on). */
    private Uni<IntegrationView> registered(Integration inserted, LeaseOwner owner, TokenSet tokens,
            Registration registration) {
        UUID id = inserted.id();
        Lease lease = leases.ofInserted(id, owner, inserted.leaseExpiresAt());
        return tokenStore.save(inserted.secretRef(), tokens, lease.forWrite())
                        .ifNoItem().after(tokenStore.callerWait()).failWith(io.smallrye.mutiny.TimeoutException::new)
                        .onFailure(e -> e instanceof TokenStoreException || e instanceof io.smallrye.mutiny.TimeoutException)
                        .recoverWithUni(e -> Blocking.run(() -> undoRegistration(registration.tenantId(), lease,
                                        registration.actor()))
                                .invoke(() -> {
                                    if (mayHaveLanded(e)) {
                                        orphans.afterAbandonedWrite(inserted.secretRef());
                                    }
                                })
                                .chain(() -> Uni.createFrom().failure(tokenStoreUnavailable("register",
                                        inserted.secretRef(), (Exception) e, "did not accept the tokens; nothing was registered"))))
                        .chain(() -> Blocking.run(() -> sealRegisteredAccessToken(inserted, lease, tokens)))
                        // announced only now: a registration undone above never existed for a receiver
                        .chain(() -> registration.announce()
                                ? Blocking.run(() -> QuarkusTransaction.requiringNew().run(() -> events.connected(id)))
                                : Uni.createFrom().voidItem())
                        .chain(() -> Blocking.run(() -> releaseRegistrationLease(lease)))
                        .replaceWith(() -> IntegrationView.of(inserted));
    }

    private Integration insertLeased(Registration r, UUID id, Instant accessTokenExpiresAt, LeaseOwner owner) {
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                tenants.require(r.tenantId());
                requireUsableGroup(r.tenantId(), r.provider(), r.providerGroup());
                requireNoDuplicate(r.tenantId(), r.provider(), r.externalAccount());
                Instant now = Instant.now();
                Integration integration = new Integration(id, r.tenantId(), r.provider(), r.providerGroup(),
                        r.externalAccount(), accessTokenExpiresAt, Integration.secretNameFor(id),
                        vaults.assign(id), owner.toString(), leases.until(now), now);
                integrations.persist(integration);
                integrations.flush();
                audit.recordAs(r.actor(), r.auditAction(), r.tenantId(), id, r.provider().code() + "/" + r.providerGroup());
                return integration;
            });
        } catch (PersistenceException e) {
            if (isDuplicateAccount(e)) {
                throw duplicate(r.tenantId(), r.provider(), r.externalAccount());
            }
            throw e;
        }
    }

    /**
     * Whether a write this call gave up on may still be stored: the caller's wait ran out, or the store cannot tell
     * whether the vault applied one of its attempts ({@link TokenStoreException#mayHaveApplied()}). A vault's refusal
     * stored nothing, and leaves nothing to compensate.
     */
    private static boolean mayHaveLanded(Throwable failure) {
        return failure instanceof io.smallrye.mutiny.TimeoutException
                || failure instanceof TokenStoreException store && store.mayHaveApplied();
    }

    /** Nothing may point at tokens that were not stored: the row goes again (its lease is still this call's). */
    private void undoRegistration(String tenantId, Lease lease, String actor) {
        UUID id = lease.id();
        lease.close();
        QuarkusTransaction.requiringNew().run(() -> {
            integrations.deleteLeased(id, lease.ownerValue());
            audit.recordAs(actor, "integration.register.undone", tenantId, id, "the token store refused the tokens");
        });
    }

    /**
     * The stored access token goes beside the row, under the registration's lease. Registered all the same if this
     * fails: the row and the stored tokens are in place, and readers fall back to the store until the next refresh.
     */
    private void sealRegisteredAccessToken(Integration inserted, Lease lease, TokenSet tokens) {
        try {
            byte[] sealed = seal.seal(inserted.id(), AccessToken.of(tokens), inserted.lastRefreshedAt());
            QuarkusTransaction.requiringNew().run(() -> integrations.sealRegisteredAccessToken(inserted.id(),
                    lease.ownerValue(), sealed));
        } catch (RuntimeException e) {
            LOG.warnf("Integration %s is registered, but its access token could not be sealed beside the row (%s); "
                    + "reads use the token store until its next refresh", inserted.id(), e.getClass().getSimpleName());
        }
    }

    private void releaseRegistrationLease(Lease lease) {
        UUID id = lease.id();
        try {
            leases.release(lease);
        } catch (RuntimeException e) {
            // registered all the same (row and tokens are in place); the lease lapses on its own (no longer renewed)
            LOG.warnf("Integration %s is registered, but its registration lease could not be released (%s); runs "
                    + "refresh it once the lease lapses", id, e.getClass().getSimpleName());
        }
    }

    /**
     * The group must be configured, of the registration's provider type, and allowed to the tenant (no allow-list, or
     * one naming it). The allow-list is read whatever the group, so an unknown group costs what a forbidden one does.
     */
    private void requireUsableGroup(String tenantId, Provider provider, String group) {
        boolean allowed = tenants.mayUseProviderGroup(tenantId, group);
        Optional<Provider> type = providerGroups.typeOf(group);
        if (type.isEmpty()) {
            throw unusableGroup(tenantId, provider, group, "no such group is configured");
        }
        if (type.get() != provider) {
            throw unusableGroup(tenantId, provider, group, "the group is of type " + type.get().code());
        }
        if (!allowed) {
            throw unusableGroup(tenantId, provider, group, "not in the tenant's allow-list");
        }
    }

    /**
     * One answer for every group a registration may not use, whether it is not configured, of another type, or left
     * out of the tenant's allow-list: a caller learns nothing about which groups exist. The reason is logged (INFO).
     */
    private static ProblemException unusableGroup(String tenantId, Provider provider, String group, String reason) {
        LOG.infof("Registration for tenant '%s' refused provider group '%s' for provider %s: %s", tenantId, group,
                provider.code(), reason);
        return ProblemException.invalidField("providerGroup",
                "is not a provider group of type " + provider.code() + " that this tenant may use");
    }

    private static boolean isDuplicateAccount(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException violation
                    && ACCOUNT_UNIQUE.equalsIgnoreCase(String.valueOf(violation.getConstraintName()))) {
                return true;
            }
        }
        return false;
    }

    /** One integration for the admin API, audited as the operator's read. */
    @Transactional
    public IntegrationView get(String tenantId, UUID id) {
        tenants.require(tenantId);
        IntegrationView view = IntegrationView.of(require(tenantId, id));
        audit.record("integration.get", tenantId, id, null);
        return view;
    }

    /** The admin API's list, audited as the operator's read. */
    @Transactional
    public IntegrationPage list(String tenantId, int offset, int limit) {
        tenants.require(tenantId);
        long total = integrations.count("tenantId", tenantId);
        audit.record("integration.list", tenantId, null, null);
        return new IntegrationPage(integrations.listByTenant(tenantId, offset, limit).stream()
                .map(IntegrationView::of).toList(), offset, limit, total);
    }

    /** An operator fixed what kept failing: {@code error → active}, audited. Only {@code error} rows qualify. */
    @Transactional
    public IntegrationView reactivate(String tenantId, UUID id) {
        tenants.require(tenantId);
        Integration integration = require(tenantId, id);
        if (!integrations.reactivate(id, Instant.now())) {
            throw ProblemException.conflict("Integration " + id + " is " + integration.status().code()
                    + "; only an integration in error can be reactivated.");
        }
        audit.record("integration.reactivate", tenantId, id, "error -> active");
        events.statusChanged(id, IntegrationStatus.ERROR);
        integrations.getEntityManager().refresh(integration);
        return IntegrationView.of(integration);
    }

    /** The tenant API's list: optionally one status and one provider, audited as the caller's read. */
    @Transactional
    public IntegrationPage list(String tenantId, Optional<IntegrationStatus> status, Optional<Provider> provider,
            int offset, int limit) {
        long total = integrations.countByTenant(tenantId, status, provider);
        audit.record("integration.list", tenantId, null, null);
        return new IntegrationPage(integrations.listByTenant(tenantId, status, provider, offset, limit).stream()
                .map(IntegrationView::of).toList(), offset, limit, total);
    }

    /** One integration for the tenant API, audited as the caller's read. */
    @Transactional
    public IntegrationView read(String tenantId, UUID id) {
        IntegrationView view = IntegrationView.of(require(tenantId, id));
        audit.record("integration.get", tenantId, id, null);
        return view;
    }

    /**
     * The user consented again: the new tokens replace the old ones and the integration is {@code active} again,
     * whatever its status, failures and backoff forgotten. The row is leased meanwhile, so no refresh can
     * overwrite the new tokens with ones from the old grant; the new tokens reach the store before the row says so,
     * under a fence ({@link Lease#fence}). A rotation of the old grant that is still pending is taken
     * over and superseded if its holder's lease lapsed; while its holder is alive the answer is 409.
     */
    public IntegrationView reconnect(String tenantId, UUID id, ReconnectIntegration request) {
        TokenSet tokens = new TokenSet(Secret.of(request.accessToken()), Secret.of(request.refreshToken()),
                request.accessTokenExpiresAt(), Optional.ofNullable(request.scope()), request.tokenType());
        return reconnect(audit.currentActor(), "integration.reconnect", tenantId, id, tokens);
    }

    /**
     * Reconnects with the grant of a consent the hosted flow ran ({@code connect/}), as {@link #reconnect} does,
     * audited as {@code integration.connect.reconnect} by {@code actor} (the key that created the session).
     */
    public IntegrationView reconnectConnected(String actor, String tenantId, UUID id, TokenSet tokens) {
        return reconnect(actor, "integration.connect.reconnect", tenantId, id, tokens);
    }

    private IntegrationView reconnect(String actor, String auditAction, String tenantId, UUID id, TokenSet tokens) {
        Leased leased = lease(tenantId, id);
        Lease lease = leased.lease();
        IntegrationStatus before = leased.row().status();
        SecretRef secret = fence(lease);
        try {
            tokenStore.save(secret, tokens, lease.forWrite()).await().atMost(tokenStore.callerWait());
        } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
            leases.release(lease);
            throw tokenStoreUnavailable("reconnect", secret, e, "did not accept the new tokens; the integration is unchanged");
        }
        // the guarded write below ends the lease either way
        lease.close();
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            if (!integrations.reconnect(id, lease.ownerValue(), tokens.expiresAt(),
                    seal.seal(id, AccessToken.of(tokens), now), now)) {
                throw lostLease(id);
            }
            audit.recordAs(actor, auditAction, tenantId, id, before.code() + " -> active" + leased.supersedes());
            events.reconnected(id, before);
            return IntegrationView.of(integrations.findById(id));
        });
    }

    /**
     * Disconnects: deletes the tokens from the store (Key Vault: delete, then purge where the vault allows it),
     * then the row (tokens sealed in PostgreSQL are deleted with it, in its transaction), leaving a tombstone so that repeating the call is a 204 for this tenant. If the store
     * refuses, nothing changes and the call can be repeated. The delete is fenced like every token-store write, and
     * a pending rotation is taken over or answered with 409 as for {@link #reconnect}.
     *
     * <p>Where the provider group has a revocation endpoint, the grant's current refresh token (the pending rotation's,
     * if one was taken over, else the stored one, read before the delete) is queued, sealed, in the transaction that
     * deletes the row: both commit or neither does, so a crash neither loses the revocation of a deleted row nor
     * revokes a grant whose row lives on. The provider is asked after the commit, by the revocation worker; this call
     * never waits for it.
     */
    public void disconnect(String tenantId, UUID id) {
        boolean exists = QuarkusTransaction.requiringNew().call(() -> {
            if (integrations.findForTenant(tenantId, id).isPresent()) {
                return true;
            }
            if (integrations.wasDisconnected(tenantId, id)) {
                return false;
            }
            throw notFound(tenantId, id);
        });
        if (!exists) {
            return;
        }
        Leased leased = lease(tenantId, id);
        Lease lease = leased.lease();
        String group = leased.row().providerGroup();
        boolean revoke = revocations.wanted(group);
        // a pending rotation's token is the current one (the stored one was spent): it is queued from its sealed copy.
        // A read, not a write: it needs no fence, and the fence stays immediately before the delete
        Optional<TokenSet> stored = revoke && !leased.rotationPending()
                ? tokensToRevoke(lease, leased.row().secretRef()) : Optional.empty();
        SecretRef secret = fence(lease);
        // sealed in PostgreSQL, the tokens go with the row (a cascading foreign key), in the transaction below
        if (!secret.inDatabase()) {
            try {
                tokenStore.delete(secret, lease.forWrite()).await().atMost(tokenStore.callerWait());
            } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
                leases.release(lease);
                throw tokenStoreUnavailable("disconnect", secret, e, "did not delete the tokens; the integration is unchanged");
            }
        }
        lease.close();
        boolean queued = QuarkusTransaction.requiringNew().call(() -> {
            events.deleted(id);
            // before the row's delete, which cascades to its pending rotation
            Instant now = Instant.now();
            boolean enqueued = revoke && revocations.enqueue(id, tenantId, group, leased.rotationPending(), stored, now);
            if (!integrations.disconnect(id, tenantId, lease.ownerValue(), now)) {
                throw lostLease(id);
            }
            audit.record("integration.disconnect", tenantId, id,
                    leased.row().status().code() + " -> disconnected" + leased.supersedes()
                            + (enqueued ? "; grant queued for revocation" : ""));
            return enqueued;
        });
        if (queued) {
            revocations.committed();
        } else if (revoke) {
            LOG.warnf("Integration %s is disconnected, but no refresh token was left to revoke at provider group %s",
                    id, group);
        }
    }

    /**
     * The tokens a disconnect will revoke, read under its lease before it deletes them. A store that does not answer
     * fails the disconnect as its delete would (nothing changed, the call can be repeated); nothing stored, or tokens
     * nobody can read, leave nothing to revoke and do not stop the disconnect.
     */
    private Optional<TokenSet> tokensToRevoke(Lease lease, SecretRef secret) {
        try {
            return tokenStore.load(secret).await().atMost(tokenStore.callerWait()).map(TokenStore.Versioned::tokens);
        } catch (UnreadableTokensException e) {
            return Optional.empty();
        } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
            leases.release(lease);
            throw tokenStoreUnavailable("disconnect", secret, e,
                    "did not give the tokens to revoke; the integration is unchanged");
        }
    }

    /** A row leased for a lifecycle change, and whether a rotation of the old grant was pending on it (now taken over). */
    private record Leased(Integration row, Lease lease, boolean rotationPending) {

        /** What the audit detail adds when the change supersedes a pending rotation. */
        String supersedes() {
            return rotationPending ? " (superseding a pending rotation whose lease had lapsed)" : "";
        }
    }

    /**
     * Leases the row for a lifecycle change, waiting (bounded) while a refresh holds it: a run holds a row
     * only for the seconds of one refresh, so the wait rarely lasts; past it the caller is told to retry. A row whose
     * rotated refresh token is still pending under someone's live lease is answered with 409 {@code rotation-pending}
     * at the end of the wait (that token is the grant's only live one until it is stored); one whose holder's lease
     * lapsed is taken over, and the change supersedes the pending rotation (logged and audited).
     */
    private Leased lease(String tenantId, UUID id) {
        LeaseOwner owner = leases.owner(LeaseOwner.Purpose.LIFECYCLE);
        Leases.Claim claim = leases.claimWithin(id, LeaseRepository.Terms.LIFECYCLE, owner, config.leaseWait(),
                        () -> QuarkusTransaction.requiringNew().run(() -> require(tenantId, id)))
                .orElseThrow(() -> busy(tenantId, id));
        boolean rotationPending = QuarkusTransaction.requiringNew().call(() -> integrations.hasPendingRotation(id));
        if (rotationPending) {
            LOG.warnf("Integration %s: a rotated refresh token of its old grant was pending and its holder's lease had "
                    + "lapsed; %s takes the row over and supersedes it", id, owner);
        }
        return new Leased(claim.row(), claim.lease(), rotationPending);
    }

    /** Why the row could not be leased in time: a pending rotation under a live lease (409), or a refresh (503). */
    private ProblemException busy(String tenantId, UUID id) {
        Optional<Instant> pendingUntil = QuarkusTransaction.requiringNew().call(() -> integrations.hasPendingRotation(id)
                ? Optional.ofNullable(require(tenantId, id).leaseExpiresAt()) : Optional.<Instant>empty());
        if (pendingUntil.isPresent()) {
            long seconds = RetryAfter.seconds(Duration.between(Instant.now(), pendingUntil.get()));
            return new ProblemException(ProblemType.ROTATION_PENDING, "Integration " + id + " has a rotated refresh "
                    + "token that the token store has not accepted yet, held by a live replica; it is the grant's only valid "
                    + "token until it is stored. This change goes through once it is stored, or once its holder's lease "
                    + "(renewed while the holder lives, " + seconds + " s left now) lapses.", Duration.ofSeconds(seconds));
        }
        return new ProblemException(ProblemType.INTEGRATION_BUSY,
                "Integration " + id + " is being refreshed; try again shortly.");
    }

    /** The fence before a lifecycle change's token-store write: where the row's secret is, or 503 if the lease is gone. */
    private static SecretRef fence(Lease lease) {
        return lease.fence().orElseThrow(() -> lostLease(lease.id()));
    }

    /**
     * Logs why the store failed (never a token), then answers 503: an operator must not be left without a cause. A
     * refusal of this replica's own vault budget sent nothing: it is counted ({@code refresher_key_vault_permits_refused_total}),
     * not logged per request, and answered 503 {@code vault-budget}.
     */
    private static ProblemException tokenStoreUnavailable(String operation, SecretRef secret, Exception cause, String what) {
        if (cause instanceof VaultBudgetExhaustedException busy) {
            return ProblemException.vaultBudgetExhausted(busy.retryAfter().orElse(Duration.ZERO));
        }
        LOG.warnf("%s of secret '%s' in vault '%s' failed in the token store: %s", operation, secret.secretName(),
                secret.vault(), TokenStoreException.describe(cause));
        return ProblemException.tokenStoreUnavailable(what);
    }

    private static ProblemException lostLease(UUID id) {
        return new ProblemException(ProblemType.INTEGRATION_BUSY,
                "Integration " + id + " changed while this request held it; try again.", Duration.ofSeconds(1));
    }

    private static ProblemException notFound(String tenantId, UUID id) {
        return ProblemException.notFound("Integration " + id + " does not exist for tenant '" + tenantId + "'.");
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public Integration require(String tenantId, UUID id) {
        return integrations.findForTenant(tenantId, id).orElseThrow(() -> notFound(tenantId, id));
    }

    private void requireNoDuplicate(String tenantId, Provider provider, String externalAccount) {
        if (integrations.count("tenantId = ?1 and provider = ?2 and externalAccount = ?3", tenantId, provider, externalAccount) > 0) {
            throw duplicate(tenantId, provider, externalAccount);
        }
    }

    private static ProblemException duplicate(String tenantId, Provider provider, String externalAccount) {
        return ProblemException.conflict("Tenant '" + tenantId + "' already has a " + provider.code()
                + " integration for '" + externalAccount + "'.");
    }
}
