package dev.oauthrefresher.audit;

import io.quarkus.arc.Arc;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.UUID;

/** Writes the admin audit trail ({@code audit_event}) in the caller's transaction. */
@ApplicationScoped
public class AuditLog {

    /**
     * The {@link SecurityIdentity} attribute naming who the caller is in this trail, set by {@code access/}'s identity
     * providers: {@code api-key:<key id>} or the admin token's name ({@code admin:<8 hex digits>}); never a secret.
     */
    public static final String ACTOR_ATTRIBUTE = "audit-actor";

    /** Who did an action no authenticated caller asked for: the service itself (e.g. dev mode's seeding at startup). */
    public static final String SYSTEM_ACTOR = "system";

    private final EntityManager em;
    private final CurrentIdentityAssociation identities;

    AuditLog(EntityManager em, CurrentIdentityAssociation identities) {
        this.em = em;
        this.identities = identities;
    }

    /** An action of the current caller ({@link #currentActor()}). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String action, String tenantId, UUID integrationId, String detail) {
        recordAs(currentActor(), action, tenantId, integrationId, detail);
    }

    /** The caller the request was authenticated as, or {@link #SYSTEM_ACTOR} outside an authenticated request. */
    public String currentActor() {
        if (!Arc.container().requestContext().isActive()) {
            return SYSTEM_ACTOR;
        }
        return identities.getIdentity().getAttribute(ACTOR_ATTRIBUTE) instanceof String actor ? actor : SYSTEM_ACTOR;
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
