package dev.oauthrefresher.integration.lifecycle;

import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.integration.lifecycle.VaultMoveDtos.NotMoved;
import dev.oauthrefresher.integration.lifecycle.VaultMoveDtos.Orphan;
import dev.oauthrefresher.integration.lifecycle.VaultMoveDtos.VaultMoveRequest;
import dev.oauthrefresher.integration.lifecycle.VaultMoveDtos.VaultMoveResult;
import dev.oauthrefresher.tenant.TenantService;
import dev.oauthrefresher.lease.Lease;
import dev.oauthrefresher.lease.LeaseOwner;
import dev.oauthrefresher.lease.LeaseRepository;
import dev.oauthrefresher.lease.Leases;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.VaultBudgetExhaustedException;
import dev.oauthrefresher.tokenstore.Vaults;
import dev.oauthrefresher.tokenstore.VaultNotConfiguredException;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Moves a tenant's integrations to another location (a Key Vault, or {@code database}: the sealed layout, into it and
 * out of it alike), one at a time and resumably: lease the row (so no run,
 * reconnect or access-token refresh touches it meanwhile; rows with a pending rotation are skipped), read the tokens
 * from the row's vault, write them to the new one, point the row there in one guarded update, and only then delete
 * and purge the old secret, still under the lease, and release it. A failure before the update leaves everything as it was; a failure
 * of the last step leaves a harmless copy in the old vault, reported and counted. Re-running continues where the
 * previous call stopped: rows already in the new vault are only counted. The copy and the old secret's delete are
 * fenced ({@link Lease#fence}); a move that lost its lease deletes its copy only where it can prove
 * the copy is not the row's live secret.
 *
 * <p>One move per tenant at a time, across replicas: a move holds the tenant's {@code vault_move} row from start to
 * end ({@link VaultMoveRepository}), renewed before each integration for as long as one integration's lease; a second
 * move meanwhile is answered 409 {@code vault-move-in-progress}. A move that finds its row taken over (it lapsed while
 * this process stalled) stops before its next integration. If this replica's vault budget refuses a call, the move
 * stops there: 503 {@code vault-budget} if it moved nothing yet, else what it did, the refused integration skipped as
 * {@code vault_budget}.
 */
@ApplicationScoped
public class VaultMoveService {

    private static final Logger LOG = Logger.getLogger(VaultMoveService.class);
    /**
     * Integrations one move request takes when it names no {@code limit}: part of the request's contract (small enough
     * that a call stays well within an HTTP timeout; the caller repeats it), so a constant, not a setting.
     */
    static final int DEFAULT_LIMIT = 100;

    private final IntegrationRepository integrations;
    private final VaultMoveRepository moves;
    private final TenantService tenants;
    private final TokenStore tokenStore;
    private final Vaults vaults;
    private final AuditLog audit;
    private final MeterRegistry registry;
    private final Leases leases;

    VaultMoveService(IntegrationRepository integrations, VaultMoveRepository moves, TenantService tenants,
            TokenStore tokenStore, Vaults vaults, AuditLog audit, MeterRegistry registry, Leases leases) {
        this.integrations = integrations;
        this.moves = moves;
        this.tenants = tenants;
        this.tokenStore = tokenStore;
        this.vaults = vaults;
        this.audit = audit;
        this.registry = registry;
        this.leases = leases;
    }

    /** Moves up to {@code request.limit()} of the tenant's integrations into {@code request.to()}; blocking. */
    public VaultMoveResult move(String tenantId, VaultMoveRequest request) {
        String to = request.to();
        if (!vaults.isConfigured(to)) {
            throw ProblemException.invalidField("to", "no vault '" + to + "' is configured (locations: "
                    + String.join(", ", vaults.locations()) + ")");
        }
        int limit = request.limit() == null ? DEFAULT_LIMIT : request.limit();
        LeaseOwner owner = leases.owner(LeaseOwner.Purpose.VAULT_MOVE);
        Duration hold = leases.length();
        List<Integration> candidates = QuarkusTransaction.requiringNew().call(() -> {
            tenants.require(tenantId);
            if (!moves.begin(tenantId, owner.toString(), hold)) {
                throw new ProblemException(ProblemType.VAULT_MOVE_IN_PROGRESS, "A vault move of tenant '" + tenantId
                        + "' is already running (on this or another replica); one move per tenant runs at a time. Repeat "
                        + "this call once it has ended.");
            }
            return integrations.listNotInVault(tenantId, to, limit);
        });
        int moved = 0;
        List<NotMoved> skipped = new ArrayList<>();
        List<NotMoved> failed = new ArrayList<>();
        List<Orphan> orphaned = new ArrayList<>();
        try {
            for (Integration candidate : candidates) {
                if (!QuarkusTransaction.requiringNew().call(() -> moves.renew(tenantId, owner.toString(), hold))) {
                    LOG.warnf("Vault move of tenant '%s' stopped: its hold lapsed and another move took the tenant over",
                            tenantId);
                    break;
                }
                Step step;
                try {
                    step = moveOne(tenantId, candidate.id(), to, owner);
                } catch (VaultBudgetExhaustedException e) {
                    if (moved == 0 && orphaned.isEmpty()) {
                        throw ProblemException.vaultBudgetExhausted(e.retryAfter().orElse(Duration.ZERO));
                    }
                    skipped.add(new NotMoved(candidate.id(), "vault_budget"));
                    break;
                }
                switch (step.kind()) {
                    case MOVED -> moved++;
                    case SKIPPED -> skipped.add(new NotMoved(candidate.id(), step.reason()));
                    case FAILED -> failed.add(new NotMoved(candidate.id(), step.reason()));
                }
                step.orphan().ifPresent(orphaned::add);
            }
        } finally {
            end(tenantId, owner);
        }
        int movedNow = moved;
        return QuarkusTransaction.requiringNew().call(() -> {
            audit.record("tenant.vault-move", tenantId, null, "to " + to + ": moved " + movedNow + ", skipped " + skipped.size()
                    + ", failed " + failed.size() + ", orphaned " + orphaned.size());
            return new VaultMoveResult(tenantId, to, movedNow, integrations.countByVault(tenantId, to, true), skipped, failed,
                    orphaned, integrations.countByVault(tenantId, to, false));
        });
    }

    private enum Kind { MOVED, SKIPPED, FAILED }

    private record Step(Kind kind, String reason, Optional<Orphan> orphan) {

        static Step skipped(String reason) {
            return new Step(Kind.SKIPPED, reason, Optional.empty());
        }

        static Step failed(String reason) {
            return new Step(Kind.FAILED, reason, Optional.empty());
        }
    }

    private Step moveOne(String tenantId, UUID id, String to, LeaseOwner owner) {
        Optional<Leases.Claim> claimed = leases.claim(id, LeaseRepository.Terms.VAULT_MOVE, owner);
        if (claimed.isEmpty()) {
            boolean pending = QuarkusTransaction.requiringNew().call(() -> integrations.hasPendingRotation(id));
            return Step.skipped(pending ? "rotation_pending" : "busy");
        }
        Integration row = claimed.get().row();
        Lease lease = claimed.get().lease();
        SecretRef from = row.secretRef();
        if (from.vault().equals(to)) {
            leases.release(lease);
            return Step.skipped("already_there");
        }
        SecretRef target;
        try {
            Optional<TokenStore.Versioned> tokens = tokenStore.load(from).await().atMost(tokenStore.callerWait());
            if (tokens.isEmpty()) {
                leases.release(lease);
                return Step.failed("no_tokens_in_source_vault");
            }
            // the copy is written only while this move still holds the row (a fence, as before every token-store write)
            Optional<SecretRef> fenced = lease.fence();
            if (fenced.isEmpty()) {
                LOG.warnf("Vault move of integration %s: its lease was gone before the copy; nothing was written", id);
                return Step.failed("lease_lost");
            }
            target = fenced.get().at(to);
            // recovering the name where the target vault kept it soft-deleted: the tokens may be coming back to a vault
            // with purge protection that this integration left by an earlier move
            tokenStore.saveRecovering(target, tokens.get().tokens(), lease.forWrite()).await().atMost(tokenStore.callerWait());
        } catch (VaultNotConfiguredException e) {
            leases.release(lease);
            return Step.skipped("source_vault_not_configured");
        } catch (VaultBudgetExhaustedException e) {
            // nothing was sent for this call; the move stops here (move() decides how to answer)
            leases.release(lease);
            throw e;
        } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
            LOG.warnf("Vault move of integration %s from '%s' to '%s' failed: %s", id, from.vault(), to,
                    TokenStoreException.describe(e));
            leases.release(lease);
            return Step.failed("token_store_unavailable");
        }
        boolean pointed = QuarkusTransaction.requiringNew().call(() -> {
            if (!integrations.moveToVault(id, lease.ownerValue(), to, Instant.now())) {
                return false;
            }
            audit.record("integration.vault-move", tenantId, id, from.vault() + " -> " + to);
            return true;
        });
        if (!pointed) {
            lease.close();
            return copyWithoutLease(id, target, owner);
        }
        // the old secret is deleted under the same lease, fenced: nobody can have moved the row back meanwhile
        Optional<SecretRef> fenced = lease.fence();
        if (fenced.isEmpty()) {
            LOG.warnf("Vault move of integration %s: moved to '%s', but its lease was gone before the old secret %s in '%s' "
                    + "was deleted; it is left as it is", id, to, from.secretName(), from.vault());
            return new Step(Kind.MOVED, null, Optional.of(orphan(id, from)));
        }
        try {
            tokenStore.delete(from, lease.forWrite()).await().atMost(tokenStore.callerWait());
        } catch (RuntimeException e) {
            LOG.warnf("Vault move of integration %s: moved to '%s', but its old secret %s in '%s' could not be deleted "
                    + "(%s); it is a harmless copy nothing reads, delete and purge it by hand", id, to, from.secretName(),
                    from.vault(), TokenStoreException.describe(e));
            return new Step(Kind.MOVED, null, Optional.of(orphan(id, from)));
        } finally {
            leases.release(lease);
        }
        return new Step(Kind.MOVED, null, Optional.empty());
    }

    /**
     * The lease went after the copy was written and before the row pointed at it. The copy is deleted only where that
     * is provably safe: the row is gone (disconnected), or this move can lease it again and it does not point at the
     * target vault. If it does (another call moved it meanwhile, an operator repeating the move after a timeout), the
     * copy is the live secret and stays; if someone else holds the row, the copy is left and reported.
     */
    private Step copyWithoutLease(UUID id, SecretRef copy, LeaseOwner owner) {
        Optional<Leases.Claim> again = leases.claim(id, LeaseRepository.Terms.VAULT_MOVE, owner);
        if (again.isPresent()) {
            boolean live = again.get().row().vault().equals(copy.vault());
            try {
                if (!live) {
                    deleteQuietly(copy);
                }
            } finally {
                leases.release(again.get().lease());
            }
            LOG.warnf("Vault move of integration %s: its lease was gone before the row was updated; the row points at '%s', "
                    + "so the copy in '%s' %s", id, again.get().row().vault(), copy.vault(), live ? "is its live secret and stays" : "is deleted");
            return Step.failed("lease_lost");
        }
        if (QuarkusTransaction.requiringNew().call(() -> integrations.findById(id)) == null) {
            deleteQuietly(copy);
            LOG.warnf("Vault move of integration %s: the row was deleted (disconnected) while it moved; the copy in '%s' is deleted",
                    id, copy.vault());
            return Step.failed("lease_lost");
        }
        LOG.warnf("Vault move of integration %s: its lease was gone before the row was updated and someone else holds the "
                + "row now; the copy %s in '%s' is left (it may be that holder's)", id, copy.secretName(), copy.vault());
        return new Step(Kind.FAILED, "lease_lost", Optional.of(orphan(id, copy)));
    }

    /** A copy left behind by a move: counted and reported. */
    private Orphan orphan(UUID id, SecretRef secret) {
        Counter.builder("refresher.vault.move.orphans")
                .description("Secrets a vault move left behind: old secrets it could not delete, copies it could not prove unused")
                .tags("vault", secret.vault()).register(registry).increment();
        return new Orphan(id, secret.vault(), secret.secretName());
    }

    /** The tenant may be moved again at once; if the database does not answer, the hold lapses on its own. */
    private void end(String tenantId, LeaseOwner owner) {
        try {
            QuarkusTransaction.requiringNew().run(() -> moves.end(tenantId, owner.toString()));
        } catch (RuntimeException e) {
            LOG.warnf("Vault move of tenant '%s' ended, but its hold could not be released (%s); it lapses on its own",
                    tenantId, e.getClass().getSimpleName());
        }
    }

    private void deleteQuietly(SecretRef secret) {
        try {
            tokenStore.delete(secret).await().atMost(tokenStore.callerWait());
        } catch (RuntimeException e) {
            LOG.warnf("Could not delete the copy %s in '%s' (%s)", secret.secretName(), secret.vault(),
                    TokenStoreException.describe(e));
        }
    }
}
