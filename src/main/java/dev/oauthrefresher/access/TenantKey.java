package dev.oauthrefresher.access;

import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.Set;
import java.util.UUID;

/** The tenant API key a request was authenticated with: who is calling, for which tenant, allowed to do what. */
public record TenantKey(UUID id, String tenantId, Set<Scope> scopes) {

    static final String REQUEST_PROPERTY = TenantKey.class.getName();

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

    /** The key {@link TenantKeyFilter} authenticated this request with. */
    public static TenantKey of(ContainerRequestContext request) {
        Object key = request.getProperty(REQUEST_PROPERTY);
        if (key instanceof TenantKey tenantKey) {
            return tenantKey;
        }
        throw new IllegalStateException("No tenant key on this request: is the resource marked @TenantApi?");
    }
}
