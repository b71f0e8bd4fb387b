package dev.oauthrefresher.access;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.access.BearerAuthenticationRequest.ForTenantKey;
import dev.oauthrefresher.common.DatabaseDown;
import dev.oauthrefresher.web.ProblemException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.StringPermission;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.Permission;
import java.util.Optional;

/**
 * Turns a tenant API key into its identity: principal the key's id, attributes the {@link TenantKey} and its tenant
 * id, the key's scopes as permissions. A key this replica knows ({@link KnownKeys}: authenticated recently, or known to
 * be no valid key) is answered from memory; any other is looked up only with a permit of the failed-authentication
 * budget ({@link FailedAuthBudget}, else 429), its row read through {@link AuthenticationRequestContext#runBlocking},
 * on a worker thread, never an event loop.
 */
@ApplicationScoped
class TenantKeyIdentityProvider implements IdentityProvider<ForTenantKey> {

    private final ApiKeyService keys;
    private final KnownKeys known;
    private final FailedAuthBudget failures;

    TenantKeyIdentityProvider(ApiKeyService keys, KnownKeys known, FailedAuthBudget failures) {
        this.keys = keys;
        this.known = known;
        this.failures = failures;
    }

    @Override
    public Class<ForTenantKey> getRequestType() {
        return ForTenantKey.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ForTenantKey request, AuthenticationRequestContext context) {
        String hash = KnownKeys.hashOf(request.presented().reveal());
        Optional<TenantKey> recent = known.valid(hash);
        if (recent.isPresent()) {
            return Uni.createFrom().item(identityOf(recent.get()));
        }
        if (known.isInvalid(hash)) {
            return Uni.createFrom().failure(new AuthenticationFailedException());
        }
        return known.lookUpOnce(hash, () -> lookUp(request.presented().reveal(), hash, context));
    }

    /**
     * One lookup of a key this replica does not know, with a permit of the failed-authentication budget that is given
     * back if the key is valid (or the database did not answer: no failed authentication either).
     */
    private Uni<SecurityIdentity> lookUp(String presented, String hash, AuthenticationRequestContext context) {
        Optional<ProblemException> spent = failures.take();
        if (spent.isPresent()) {
            return Uni.createFrom().failure(spent.get());
        }
        long generation = known.generation();
        return context.runBlocking(() -> {
            Optional<TenantKey> found;
            try {
                found = keys.authenticate(presented);
            } catch (RuntimeException e) {
                // a key lookup fails only when the database does (down, or no free connection): come back soon
                failures.giveBack();
                throw DatabaseDown.is(e) ? ProblemException.databaseUnavailable() : e;
            }
            if (found.isEmpty()) {
                known.rememberInvalid(hash);
                throw new AuthenticationFailedException();
            }
            failures.giveBack();
            known.rememberValid(hash, found.get(), generation);
            return identityOf(found.get());
        });
    }

    private static SecurityIdentity identityOf(TenantKey key) {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(key.id().toString()))
                .addAttribute(TenantKey.ATTRIBUTE, key)
                .addAttribute(TenantKey.TENANT_ATTRIBUTE, key.tenantId())
                .addAttribute(AuditLog.ACTOR_ATTRIBUTE, key.actor())
                .addPermissionChecker(required -> Uni.createFrom().item(() -> holds(key, required)))
                .build();
    }

    /**
     * Whether the key holds {@code required}. A scope it lacks is not a quiet {@code false} but a
     * {@link MissingScopeException}, so the 403 can name the scope; any other permission is simply not held.
     */
    private static boolean holds(TenantKey key, Permission required) {
        Optional<Scope> scope = scopeOf(required);
        if (scope.isEmpty()) {
            return false;
        }
        if (!key.has(scope.get())) {
            throw new MissingScopeException(scope.get());
        }
        return true;
    }

    /**
     * {@code @PermissionsAllowed("integrations:read")} asks for permission {@code integrations}, action {@code read}.
     */
    private static Optional<Scope> scopeOf(Permission required) {
        if (!(required instanceof StringPermission permission) || permission.getActions().isEmpty()
                || permission.getActions().contains(StringPermission.ACTIONS_SEPARATOR)) {
            return Optional.empty();
        }
        return Scope.fromCode(permission.getName() + ":" + permission.getActions());
    }
}
