package dev.oauthrefresher.revocation;

import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.keyring.SealedColumns;
import dev.oauthrefresher.keyring.SealedRows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;

/**
 * The {@code revocation} table: disconnected grants' sealed refresh tokens waiting to be revoked; also one of the tables
 * the key ring's re-seal job moves to the current key ({@link SealedRows}). Callers own the transaction.
 */
@ApplicationScoped
class RevocationRepository implements SealedRows {

    /** One claimed row; {@code attempts} counts this one. */
    record Claimed(UUID integrationId, String tenantId, String providerGroup, byte[] sealedTokens, String keyId,
            Instant createdAt, int attempts) {
    }

    /** How many rows wait and since when the oldest one does. */
    record Depth(long rows, Optional<Instant> oldest) {
    }

    private final EntityManager em;
    private final SealedColumns columns;

    RevocationRepository(EntityManager em) {
        this.em = em;
        this.columns = new SealedColumns(em, "revocation");
    }

    /** Queues tokens sealed here; a second disconnect of the same row cannot happen (the row is gone), so a repeat is a no-op. */
    boolean enqueue(UUID integrationId, String tenantId, String providerGroup, byte[] sealed, String keyId, Instant now) {
        return em.createNativeQuery("""
                INSERT INTO revocation (integration_id, tenant_id, provider_group, sealed_tokens, key_id, created_at,
                                        next_attempt_at)
                VALUES (:id, :tenant, :group, :sealed, :key, :now, :now)
                ON CONFLICT (integration_id) DO NOTHING
                """).unwrap(NativeQuery.class)
                .setParameter("id", integrationId)
                .setParameter("tenant", tenantId)
                .setParameter("group", providerGroup)
                .setParameter("sealed", sealed, StandardBasicTypes.BINARY)
                .setParameter("key", keyId)
                .setParameter("now", Timestamps.utc(now))
                .executeUpdate() == 1;
    }

    /**
     * Queues the rotated refresh token sealed in {@code pending_rotation} for this integration, as it is (same key ring,
     * same key id, same associated data): it is the grant's current refresh token, the stored one was spent when the
     * provider rotated it. Must run before the integration row is deleted, which cascades to {@code pending_rotation}.
     * False if no rotation is pending.
     */
    boolean enqueuePendingRotation(UUID integrationId, String tenantId, String providerGroup, Instant now) {
        return em.createNativeQuery("""
                INSERT INTO revocation (integration_id, tenant_id, provider_group, sealed_tokens, key_id, created_at,
                                        next_attempt_at)
                SELECT p.integration_id, :tenant, :group, p.sealed_tokens, p.key_id, :now, :now
                  FROM pending_rotation p
                 WHERE p.integration_id = :id
                ON CONFLICT (integration_id) DO NOTHING
                """)
                .setParameter("id", integrationId)
                .setParameter("tenant", tenantId)
                .setParameter("group", providerGroup)
                .setParameter("now", Timestamps.utc(now))
                .executeUpdate() == 1;
    }

    /**
     * Claims up to {@code limit} due rows for {@code owner} (unique per claim) until {@code leaseUntil}: {@code FOR UPDATE
     * SKIP LOCKED}, so replicas claiming at once get disjoint rows, and the claim is the row's next due time, so the row
     * of a replica that died while sending is due again after the lease.
     */
    @SuppressWarnings("unchecked")
    List<Claimed> claimDue(String owner, Instant now, Instant leaseUntil, int limit) {
        List<Object[]> rows = em.createNativeQuery("""
                WITH due AS (
                    SELECT integration_id FROM revocation
                     WHERE next_attempt_at <= :now
                     ORDER BY next_attempt_at
                     LIMIT :limit
                       FOR UPDATE SKIP LOCKED
                )
                UPDATE revocation r
                   SET claim_owner = :owner, next_attempt_at = :leaseUntil, attempts = r.attempts + 1
                  FROM due
                 WHERE r.integration_id = due.integration_id
                RETURNING r.integration_id, r.tenant_id, r.provider_group, r.sealed_tokens, r.key_id, r.created_at,
                          r.attempts
                """)
                .setParameter("owner", owner)
                .setParameter("now", Timestamps.utc(now))
                .setParameter("leaseUntil", Timestamps.utc(leaseUntil))
                .setParameter("limit", limit)
                .getResultList();
        return rows.stream().map(r -> new Claimed((UUID) r[0], (String) r[1], (String) r[2], (byte[]) r[3], (String) r[4],
                Timestamps.toInstant(r[5]), ((Number) r[6]).intValue())).toList();
    }

    /** Revoked, already invalid, or given up: the row goes, if {@code owner}'s claim still holds it. */
    void finish(UUID integrationId, String owner) {
        em.createNativeQuery("DELETE FROM revocation WHERE integration_id = :id AND claim_owner = :owner")
                .setParameter("id", integrationId).setParameter("owner", owner).executeUpdate();
    }

    /** Failed for now: due again at {@code next}, if {@code owner}'s claim still holds it. */
    void retryAt(UUID integrationId, String owner, Instant next, String error) {
        em.createNativeQuery("""
                UPDATE revocation SET next_attempt_at = :next, claim_owner = NULL, last_error = :error
                 WHERE integration_id = :id AND claim_owner = :owner
                """)
                .setParameter("id", integrationId).setParameter("owner", owner)
                .setParameter("next", Timestamps.utc(next)).setParameter("error", error).executeUpdate();
    }

    @Override
    public String table() {
        return columns.table();
    }

    @Override
    public List<Row> sealedWithOtherKeys(String keyId, UUID after, int limit) {
        return columns.sealedWithOtherKeys(keyId, after, limit);
    }

    /**
     * Only the value and its key id: a claim in flight keeps its claim and settles the row as before (it sent the same
     * token, read before the re-seal).
     */
    @Override
    public void replace(UUID id, byte[] value, String keyId) {
        columns.replace(id, value, keyId);
    }

    @Override
    public long countSealedWithOtherKeys(String keyId) {
        return columns.countSealedWithOtherKeys(keyId);
    }

    Depth depth() {
        Object[] row = (Object[]) em.createNativeQuery("SELECT count(*), min(created_at) FROM revocation").getSingleResult();
        return new Depth(((Number) row[0]).longValue(), Optional.ofNullable(Timestamps.toInstant(row[1])));
    }
}
