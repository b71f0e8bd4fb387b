package dev.oauthrefresher.token;

import dev.oauthrefresher.integration.Integration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;

/**
 * The access-token read's one query: the tenant's integration row (its sealed access token included) together with the
 * presenting key's liveness, in one statement, so that a key revoked on any replica is refused on its next read
 * without a second round trip. {@code api_key} is read here rather than in the access capability's repository because
 * the point is the single statement; only its primary key and {@code revoked_at} are touched. Callers own the
 * transaction.
 */
@ApplicationScoped
class AccessTokenReadRepository {

    /** What one read found: the row, or why there is none. */
    sealed interface Read {
    }

    /** The key is live and the row is the tenant's. */
    record Found(Integration row) implements Read {
    }

    /** The key is live and the tenant has no such integration. */
    record NotFound() implements Read {
    }

    /** The presenting key was revoked (or deleted) since this replica authenticated it. */
    record KeyRevoked() implements Read {
    }

    private final EntityManager em;

    AccessTokenReadRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * The row {@code id} of {@code tenantId} if key {@code keyId} is unrevoked: one primary-key lookup on each table.
     * Only a miss (no such row, or a revoked key) asks once more which of the two it was: that path serves no token.
     */
    @SuppressWarnings("unchecked")
    Read read(UUID keyId, String tenantId, UUID id) {
        List<Integration> rows = em.createNativeQuery("""
                SELECT i.* FROM integration i
                 WHERE i.id = :id AND i.tenant_id = :tenant
                   AND EXISTS (SELECT 1 FROM api_key k WHERE k.id = :key AND k.revoked_at IS NULL)
                """, Integration.class)
                .setParameter("id", id).setParameter("tenant", tenantId).setParameter("key", keyId)
                .getResultList();
        if (!rows.isEmpty()) {
            return new Found(rows.get(0));
        }
        boolean live = (Boolean) em.createNativeQuery(
                        "SELECT EXISTS (SELECT 1 FROM api_key k WHERE k.id = :key AND k.revoked_at IS NULL)")
                .setParameter("key", keyId).getSingleResult();
        return live ? new NotFound() : new KeyRevoked();
    }
}
