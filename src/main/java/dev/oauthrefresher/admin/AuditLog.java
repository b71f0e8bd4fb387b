package dev.oauthrefresher.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.UUID;

/** Writes the admin audit trail ({@code audit_event}) in the caller's transaction. */
@ApplicationScoped
public class AuditLog {

    /** Who did admin actions: the token is never recorded, only that an admin token was used. */
    public static final String ADMIN_ACTOR = "admin-token";

    private final EntityManager em;

    AuditLog(EntityManager em) {
        this.em = em;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String action, String tenantId, UUID integrationId, String detail) {
        recordAs(ADMIN_ACTOR, action, tenantId, integrationId, detail);
    }

    /** An action of another actor, such as a tenant API key ({@code api-key:<id>}). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordAs(String actor, String action, String tenantId, UUID integrationId, String detail) {
        em.createNativeQuery("""
                INSERT INTO audit_event (actor, action, tenant_id, integration_id, detail)
                VALUES (:actor, :action, :tenant, :integration, :detail)
                """)
                .setParameter("actor", actor)
                .setParameter("action", action)
                .setParameter("tenant", tenantId)
                .setParameter("integration", integrationId)
                .setParameter("detail", detail)
                .executeUpdate();
    }
}
