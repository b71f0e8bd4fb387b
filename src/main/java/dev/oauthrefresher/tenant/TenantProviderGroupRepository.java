package dev.oauthrefresher.tenant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.List;

/** A tenant's provider-group allow-list ({@code tenant_provider_group}); no rows: every group. */
@ApplicationScoped
class TenantProviderGroupRepository {

    private final EntityManager em;

    TenantProviderGroupRepository(EntityManager em) {
        this.em = em;
    }

    /** The tenant's allowed groups, sorted; empty when it may use every group. */
    List<String> list(String tenantId) {
        @SuppressWarnings("unchecked")
        List<String> groups = em.createNativeQuery(
                "SELECT provider_group FROM tenant_provider_group WHERE tenant_id = :tenant ORDER BY provider_group")
                .setParameter("tenant", tenantId).getResultList();
        return groups;
    }

    /** Replaces the list; an empty {@code groups} lets the tenant use every group again. */
    void replace(String tenantId, List<String> groups) {
        em.createNativeQuery("DELETE FROM tenant_provider_group WHERE tenant_id = :tenant")
                .setParameter("tenant", tenantId).executeUpdate();
        for (String group : groups) {
            em.createNativeQuery("INSERT INTO tenant_provider_group (tenant_id, provider_group) VALUES (:tenant, :group)")
                    .setParameter("tenant", tenantId).setParameter("group", group).executeUpdate();
        }
    }

    /** Whether the tenant may use {@code group}: it has no list, or the list names it. One statement. */
    boolean mayUse(String tenantId, String group) {
        Object allowed = em.createNativeQuery("""
                SELECT NOT EXISTS (SELECT 1 FROM tenant_provider_group WHERE tenant_id = :tenant)
                    OR EXISTS (SELECT 1 FROM tenant_provider_group WHERE tenant_id = :tenant AND provider_group = :group)
                """).setParameter("tenant", tenantId).setParameter("group", group).getSingleResult();
        return Boolean.TRUE.equals(allowed);
    }
}
