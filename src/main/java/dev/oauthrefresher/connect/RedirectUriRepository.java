package dev.oauthrefresher.connect;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.List;

/** A tenant's redirect-URI allow-list ({@code tenant_redirect_uri}); no rows: no connect sessions for the tenant. */
@ApplicationScoped
class RedirectUriRepository {

    private final EntityManager em;

    RedirectUriRepository(EntityManager em) {
        this.em = em;
    }

    /** The tenant's redirect URIs, sorted. */
    List<String> list(String tenantId) {
        @SuppressWarnings("unchecked")
        List<String> uris = em.createNativeQuery(
                "SELECT redirect_uri FROM tenant_redirect_uri WHERE tenant_id = :tenant ORDER BY redirect_uri")
                .setParameter("tenant", tenantId).getResultList();
        return uris;
    }

    /** Replaces the list; an empty one ends the tenant's connect sessions' creation. */
    void replace(String tenantId, List<String> uris) {
        em.createNativeQuery("DELETE FROM tenant_redirect_uri WHERE tenant_id = :tenant")
                .setParameter("tenant", tenantId).executeUpdate();
        for (String uri : uris) {
            em.createNativeQuery("INSERT INTO tenant_redirect_uri (tenant_id, redirect_uri) VALUES (:tenant, :uri)")
                    .setParameter("tenant", tenantId).setParameter("uri", uri).executeUpdate();
        }
    }

    /** Whether the list names {@code uri}, exactly (no prefix, no normalisation). */
    boolean contains(String tenantId, String uri) {
        Object found = em.createNativeQuery("""
                SELECT EXISTS (SELECT 1 FROM tenant_redirect_uri WHERE tenant_id = :tenant AND redirect_uri = :uri)
                """).setParameter("tenant", tenantId).setParameter("uri", uri).getSingleResult();
        return Boolean.TRUE.equals(found);
    }
}
