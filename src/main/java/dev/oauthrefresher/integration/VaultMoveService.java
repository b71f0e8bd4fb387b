package dev.oauthrefresher.integration;

import dev.oauthrefresher.admin.AuditLog;
import dev.oauthrefresher.integration.VaultMoveDtos.NotMoved;
import dev.oauthrefresher.integration.VaultMoveDtos.Orphan;
import dev.oauthrefresher.integration.VaultMoveDtos.VaultMoveRequest;
import dev.oauthrefresher.integration.VaultMoveDtos.VaultMoveResult;
import dev.oauthrefresher.tenant.TenantService;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.Vaults;
import dev.oauthrefresher.tokenstore.VaultNotConfiguredException;
import dev.oauthrefresher.web.ProblemException;
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
 * Moves a tenant's integrations to another Key Vault, one at a time and resumably: lease the row (so no run,
 * reconnect or access-token refresh touches it meanwhile; rows with a pending rotation are skipped), read the tokens
 * from the row's vault, write them to the new one, point the row there and release the lease in one guarded update,
 * and only then delete and purge the old secret. A failure before the update leaves everything as it was; a failure
 * of the last step leaves a harmless copy in the old vault, reported and counted. Re-running continues where the
 * previous call stopped: rows already in the new vault are only counted.
 */
@ApplicationScoped
public class VaultMoveService {

    private static final Logger LOG = Logger.getLogger(VaultMoveService.class);
    static final int DEFAULT_LIMIT = 100;
    private static final Duration MIN_LEASE = Duration.ofMinutes(2);

    private final IntegrationRepository integrations;
    private final TenantService tenants;
    private final TokenStore tokenStore;
    private final Vaults vaults;
    private final AuditLog audit;
    private final MeterRegistry registry;

    VaultMoveService(IntegrationRepository integrations, TenantService tenants, TokenStore tokenStore, Vaults vaults,
            AuditLog audit, MeterRegistry registry) {
        this.integrations = integrations;
        this.tenants = tenants;
        this.tokenStore = tokenStore;
        this.vaults = vaults;
        this.audit = audit;
        this.registry = registry;
    }

    /** Moves up to {@code request.limit()} of the tenant's integrations into {@code request.to()}; blocking. */
    public VaultMoveResult move(String tenantId, VaultMoveRequest request) {
        String to = request.to();
        if (!vaults.isConfigured(to)) {
            throw ProblemException.invalidField("to", "no vault '" + to + "' is configured (configured: "
                    + String.join(", ", vaults.names()) + ")");
        }
        int limit = request.limit() == null ? DEFAULT_LIMIT : request.limit();
        List<Integration> candidates = QuarkusTransaction.requiringNew().call(() -> {
            tenants.require(tenantId);
            return integrations.listNotInVault(tenantId, to, limit);
        });
        String owner = "vault-move/" + UUID.randomUUID();
        Duration lease = MIN_LEASE.plus(tokenStore.worstCase().multipliedBy(3));
        int moved = 0;
        List<NotMoved> skipped = new ArrayList<>();
        List<NotMoved> failed = new ArrayList<>();
        List<Orphan> orphaned = new ArrayList<>();
        for (Integration candidate : candidates) {
            Step step = moveOne(tenantId, candidate.id(), to, owner, lease);
            switch (step.kind()) {
                case MOVED -> moved++;
                case SKIPPED -> skipped.add(new NotMoved(candidate.id(), step.reason()));
                case FAILED -> failed.add(new NotMoved(candidate.id(), step.reason()));
            }
            step.orphan().ifPresent(orphaned::add);
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

    private Step moveOne(String tenantId, UUID id, String to, String owner, Duration lease) {
        Instant now = Instant.now();
        Optional<Integration> claimed = QuarkusTransaction.requiringNew().call(
                () -> integrations.claimForVaultMove(id, owner, now, now.plus(lease)));
        if (claimed.isEmpty()) {
            boolean pending = QuarkusTransaction.requiringNew().call(() -> integrations.hasPendingRotation(id));
            return Step.skipped(pending ? "rotation_pending" : "busy");
        }
        Integration row = claimed.get();
        SecretRef from = row.secretRef();
        SecretRef target = new SecretRef(to, row.secretName());
        if (from.vault().equals(to)) {
            release(id, owner);
            return Step.skipped("already_there");
        }
        try {
            Optional<TokenStore.Versioned> tokens = tokenStore.load(from).await().atMost(lease);
            if (tokens.isEmpty()) {
                release(id, owner);
                return Step.failed("no_tokens_in_source_vault");
            }
            tokenStore.save(target, tokens.get().tokens()).await().atMost(lease);
        } catch (VaultNotConfiguredException e) {
            release(id, owner);
            return Step.skipped("source_vault_not_configured");
        } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
            LOG.warnf("Vault move of integration %s from '%s' to '%s' failed: %s", id, from.vault(), to,
                    TokenStoreException.describe(e));
            release(id, owner);
            return Step.failed("token_store_unavailable");
        }
        boolean pointed = QuarkusTransaction.requiringNew().call(() -> {
            if (!integrations.moveToVault(id, owner, to, Instant.now())) {
                return false;
            }
            audit.record("integration.vault-move", tenantId, id, from.vault() + " -> " + to);
            return true;
        });
        if (!pointed) {
            // the row never pointed at the copy: removing it leaves the row's own secret alone
            LOG.warnf("Vault move of integration %s: its lease was gone before the row was updated; the copy in '%s' "
                    + "is deleted and the row stays in '%s'", id, to, from.vault());
            deleteQuietly(target);
            return Step.failed("lease_lost");
        }
        try {
            tokenStore.delete(from).await().atMost(lease);
        } catch (RuntimeException e) {
            Counter.builder("refresher.vault.move.orphans")
                    .description("Secrets left in the old vault by a vault move whose delete failed (harmless copies)")
                    .tags("vault", from.vault()).register(registry).increment();
            LOG.warnf("Vault move of integration %s: moved to '%s', but its old secret %s in '%s' could not be deleted "
                    + "(%s); it is a harmless copy nothing reads, delete and purge it by hand", id, to, from.secretName(),
                    from.vault(), TokenStoreException.describe(e));
            return new Step(Kind.MOVED, null, Optional.of(new Orphan(id, from.vault(), from.secretName())));
        }
        return new Step(Kind.MOVED, null, Optional.empty());
    }

    private void release(UUID id, String owner) {
        QuarkusTransaction.requiringNew().run(() -> integrations.release(List.of(id), owner));
    }

    private void deleteQuietly(SecretRef secret) {
        try {
            tokenStore.delete(secret).await().atMost(Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            LOG.warnf("Could not delete the copy %s in '%s' (%s)", secret.secretName(), secret.vault(),
                    TokenStoreException.describe(e));
        }
    }
}
