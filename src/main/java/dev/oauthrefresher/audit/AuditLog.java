package dev.oauthrefresher.audit;

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.Arc;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/** Writes the audit trail ({@code audit_event}): one row in the caller's transaction, or a group on its own ({@link #recordAll}). */
@ApplicationScoped
public class AuditLog {

    /**
     * The {@link SecurityIdentity} attribute naming who the caller is in this trail, set by {@code access/}'s identity
     * providers: {@code api-key:<key id>} or the admin token's name ({@code admin:<8 hex digits>}); never a secret.
     */
    public static final String ACTOR_ATTRIBUTE = "audit-actor";

    /** Who did an action no authenticated caller asked for: the service itself (e.g. dev mode's seeding at startup). */
    public static final String SYSTEM_ACTOR = "system";

    /** One row of the trail, for {@link #recordAll}. */
    public record Entry(String actor, String action, String tenantId, UUID integrationId, String detail) {
    }

    private final EntityManager em;
    private final CurrentIdentityAssociation identities;
    private final AgroalDataSource main;

    AuditLog(EntityManager em, CurrentIdentityAssociation identities, AgroalDataSource main) {
        this.em = em;
        this.identities = identities;
        this.main = main;
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

    /**
     * {@code entries} as one statement on a connection of its own, outside any transaction: a single {@code INSERT} is
     * atomic, so all of them are committed or none, in one round trip, without the JTA transaction and the per-row
     * query the other methods cost (a seventh of an access-token read's CPU, profiled; BENCHMARKS.md).
     *
     * @throws PersistenceException if PostgreSQL refused or could not be reached; nothing was written
     */
    public void recordAll(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        int n = entries.size();
        String[] actors = new String[n];
        String[] actions = new String[n];
        String[] tenants = new String[n];
        UUID[] integrations = new UUID[n];
        String[] details = new String[n];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            actors[i] = e.actor();
            actions[i] = e.action();
            tenants[i] = e.tenantId();
            integrations[i] = e.integrationId();
            details[i] = e.detail();
        }
        try (Connection connection = main.getConnection();
                PreparedStatement insert = connection.prepareStatement("""
                        INSERT INTO audit_event (actor, action, tenant_id, integration_id, detail)
                        SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::uuid[], ?::text[])
                        """)) {
            insert.setArray(1, connection.createArrayOf("text", actors));
            insert.setArray(2, connection.createArrayOf("text", actions));
            insert.setArray(3, connection.createArrayOf("text", tenants));
            insert.setArray(4, connection.createArrayOf("uuid", integrations));
            insert.setArray(5, connection.createArrayOf("text", details));
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new PersistenceException("Could not write " + n + " audit rows: SQL state " + e.getSQLState(), e);
        }
    }
}
