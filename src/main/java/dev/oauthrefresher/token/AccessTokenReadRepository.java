package dev.oauthrefresher.token;

import dev.oauthrefresher.integration.Integration;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;
import java.util.List;
import java.util.UUID;

/**
 * The access-token read's one query: the tenant's integration row (its sealed access token included) together with the
 * presenting key's liveness, in one statement, so that a key revoked on any replica is refused on its next read
 * without a second round trip. {@code api_key} is read here rather than in the access capability's repository because
 * the point is the single statement; only its primary key and {@code revoked_at} are touched. The read runs outside any
 * transaction, in a stateless session: one statement on an autocommit connection is one round trip, where a JTA
 * transaction would add a {@code COMMIT} (and the transaction manager's and a persistence context's work) to every read.
 * Nothing is written, so nothing needs the transaction.
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

    private final SessionFactory sessions;

    AccessTokenReadRepository(SessionFactory sessions) {
        this.sessions = sessions;
    }

    /**
     * The row {@code id} of {@code tenantId} if key {@code keyId} is unrevoked: one primary-key lookup on each table.
     * Only a miss (no such row, or a revoked key) asks once more which of the two it was: that path serves no token.
     */
    Read read(UUID keyId, String tenantId, UUID id) {
        try (StatelessSession session = sessions.openStatelessSession()) {
            return read(session, keyId, tenantId, id);
        }
    }

    private static Read read(StatelessSession session, UUID keyId, String tenantId, UUID id) {
        // HQL rather than native SQL: Hibernate caches an HQL query's plan and row mapping, where a native query's entity
        // mapping is worked out from the result set's metadata on every execution (a fifth of a read's CPU, profiled)
        List<Integration> rows = session.createSelectionQuery("""
                        from Integration i
                        where i.id = :id and i.tenantId = :tenant
                          and exists (select 1 from ApiKey k where k.id = :key and k.revokedAt is null)
                        """, Integration.class)
                .setParameter("id", id).setParameter("tenant", tenantId).setParameter("key", keyId)
                .getResultList();
        if (!rows.isEmpty()) {
            return new Found(rows.get(0));
        }
        boolean live = !session.createSelectionQuery("select 1 from ApiKey k where k.id = :key and k.revokedAt is null",
                        Integer.class)
                .setParameter("key", keyId).getResultList().isEmpty();
        return live ? new NotFound() : new KeyRevoked();
    }
}
