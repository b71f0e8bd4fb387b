package dev.oauthrefresher.integration.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;

/**
 * The {@code vault_move} table: whose vault move runs now for which tenant, held until a time of the database's clock
 * (so replicas whose clocks disagree still agree on whether a move lapsed). Callers own the transaction.
 */
@ApplicationScoped
class VaultMoveRepository {

    private final EntityManager em;

    VaultMoveRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * Takes the tenant's move for {@code owner}, held for {@code holdFor}: true if no move holds it or the one that
     * did has lapsed (its replica died). Two callers at once: the second waits for the first's commit and finds its row.
     */
    boolean begin(String tenantId, String owner, Duration holdFor) {
        return em.createNativeQuery("""
                INSERT INTO vault_move (tenant_id, owner, started_at, held_until)
                VALUES (:tenant, :owner, now(), now() + make_interval(secs => :hold))
                ON CONFLICT (tenant_id) DO UPDATE
                    SET owner = EXCLUDED.owner, started_at = EXCLUDED.started_at, held_until = EXCLUDED.held_until
                    WHERE vault_move.held_until < now()
                """).setParameter("tenant", tenantId).setParameter("owner", owner)
                .setParameter("hold", seconds(holdFor)).executeUpdate() == 1;
    }

    /** Holds the move for {@code holdFor} more; false if it is no longer {@code owner}'s (it lapsed and was taken over). */
    boolean renew(String tenantId, String owner, Duration holdFor) {
        return em.createNativeQuery("""
                UPDATE vault_move SET held_until = now() + make_interval(secs => :hold)
                WHERE tenant_id = :tenant AND owner = :owner
                """).setParameter("tenant", tenantId).setParameter("owner", owner)
                .setParameter("hold", seconds(holdFor)).executeUpdate() == 1;
    }

    /** The move ended: the tenant may be moved again at once. */
    void end(String tenantId, String owner) {
        em.createNativeQuery("DELETE FROM vault_move WHERE tenant_id = :tenant AND owner = :owner")
                .setParameter("tenant", tenantId).setParameter("owner", owner).executeUpdate();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
