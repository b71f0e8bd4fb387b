package dev.oauthrefresher.access;

import io.quarkus.security.identity.SecurityIdentity;
import java.util.Set;
import java.util.UUID;

/** The tenant API key a request was authenticated with: who is calling, for which tenant, allowed to do what. */
public record TenantKey(UUID id, String tenantId, Set<Scope> scopes) {

    /** The {@link SecurityIdentity} attribute holding the key ({@link TenantKeyIdentityProvider}). */
    static final String ATTRIBUTE = "tenant-key";
    /** The {@link SecurityIdentity} attribute holding the key's tenant id. */
    static final String TENANT_ATTRIBUTE = "tenant-id";

    public TenantKey {
        scopes = Set.copyOf(scopes);
    }

    /** The audit trail's actor: the key's id, never the key. */
    public String actor() {
        return "api-key:" + id;
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }

    /** The key {@code identity} was authenticated with; every {@code /v1} method is reached only with one. */
    public static TenantKey of(SecurityIdentity identity) {
        if (identity.getAttribute(ATTRIBUTE) instanceof TenantKey key) {
            return key;
        }
        throw new IllegalStateException("The caller is not a tenant API key: does the method carry "
                + "@PermissionsAllowed?");
    }
}
