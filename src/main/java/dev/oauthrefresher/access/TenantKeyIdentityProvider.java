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
 * id, the key's scopes as permissions. The key's row is read through {@link AuthenticationRequestContext#runBlocking},
 * on a worker thread, never an event loop.
 */
@ApplicationScoped
class TenantKeyIdentityProvider implements IdentityProvider<ForTenantKey> {

    private final ApiKeyService keys;

    TenantKeyIdentityProvider(ApiKeyService keys) {
        this.keys = keys;
    }

    @Override
    public Class<ForTenantKey> getRequestType() {
        return ForTenantKey.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ForTenantKey request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            Optional<TenantKey> found;
            try {
                found = keys.authenticate(request.presented().reveal());
            } catch (RuntimeException e) {
                // a key lookup fails only when the database does (down, or no free connection): come back soon
                throw DatabaseDown.is(e) ? ProblemException.databaseUnavailable() : e;
            }
            return identityOf(found.orElseThrow(AuthenticationFailedException::new));
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
