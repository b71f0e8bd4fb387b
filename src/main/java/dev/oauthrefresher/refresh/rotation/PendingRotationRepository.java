package dev.oauthrefresher.refresh.rotation;

import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.keyring.SealedColumns;
import dev.oauthrefresher.keyring.SealedRows;
import dev.oauthrefresher.tokenstore.SecretRef;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;

/**
 * The {@code pending_rotation} table: sealed rotated tokens the token store has not accepted yet; also one of the tables
 * the key ring's re-seal job moves to the current key ({@link SealedRows}). Callers own the transaction.
 */
@ApplicationScoped
public class PendingRotationRepository implements SealedRows {

    /** One sealed row, as a replica finds it when it finishes another's write. */
    record Sealed(UUID integrationId, String tenantId, Provider provider, String providerGroup, SecretRef secret,
            byte[] sealedTokens, String keyId, UUID runId, Instant startedAt) {

        ClaimedIntegration row(Instant accessTokenExpiresAt) {
            return new ClaimedIntegration(integrationId, tenantId, provider, providerGroup, secret, accessTokenExpiresAt, 0);
        }
    }

    private final EntityManager em;
    private final SealedColumns columns;

    PendingRotationRepository(EntityManager em) {
        this.em = em;
        this.columns = new SealedColumns(em, "pending_rotation");
    }

    /**
     * Records (or replaces) the pending rotation of one integration, only while {@code owner} holds its lease: a
     * sealed token of a row someone else holds now (a reconnect's new consent, a disconnect) must never be left for a
     * replica to write later. The row stays locked (shared) until the caller commits, so a reconnect or disconnect
     * cannot take it between this check and the commit and miss the sealed token. False if the owner no longer holds
     * the row.
     */
    boolean save(UUID integrationId, String owner, byte[] sealedTokens, String keyId, UUID runId, Instant startedAt) {
        return em.createNativeQuery("""
                INSERT INTO pending_rotation (integration_id, sealed_tokens, key_id, run_id, started_at)
                SELECT :id, :sealed, :key, :run, :started
                 WHERE EXISTS (SELECT 1 FROM integration WHERE id = :id AND lease_owner = :owner FOR SHARE)
                ON CONFLICT (integration_id) DO UPDATE
                   SET sealed_tokens = EXCLUDED.sealed_tokens, key_id = EXCLUDED.key_id, run_id = EXCLUDED.run_id,
                       started_at = EXCLUDED.started_at, created_at = now(), attempts = 0, last_attempt_at = NULL
                """).unwrap(NativeQuery.class)
                .setParameter("id", integrationId)
                .setParameter("owner", owner)
                .setParameter("sealed", sealedTokens, StandardBasicTypes.BINARY)
                .setParameter("key", keyId)
                .setParameter("run", runId)
                .setParameter("started", startedAt)
                .executeUpdate() == 1;
    }

    /** The store took the tokens: nothing is pending any more. */
    public void delete(UUID integrationId) {
        em.createNativeQuery("DELETE FROM pending_rotation WHERE integration_id = :id")
                .setParameter("id", integrationId).executeUpdate();
    }

    /** The sealed rotations of rows just taken over ({@code Leases#claimPendingRotations}), with where their tokens go. */
    @SuppressWarnings("unchecked")
    List<Sealed> find(Collection<UUID> integrationIds) {
        List<Object[]> rows = em.createNativeQuery("""
                SELECT i.id, i.tenant_id, i.provider, i.provider_group, i.secret_name, p.sealed_tokens, p.key_id,
                       p.run_id, p.started_at, COALESCE(i.vault, 'default')
                  FROM integration i JOIN pending_rotation p ON p.integration_id = i.id
                 WHERE i.id IN (:ids)
                 ORDER BY p.created_at
                """).setParameter("ids", integrationIds)
                .getResultList();
        return rows.stream().map(r -> new Sealed((UUID) r[0], (String) r[1], Provider.fromCode((String) r[2]), (String) r[3],
                new SecretRef((String) r[9], (String) r[4]), (byte[]) r[5], (String) r[6], (UUID) r[7],
                Timestamps.toInstant(r[8]))).toList();
    }

    /** Notes a failed attempt to finish a pending write. */
    void attempted(UUID integrationId, Instant now) {
        em.createNativeQuery("UPDATE pending_rotation SET attempts = attempts + 1, last_attempt_at = :now WHERE integration_id = :id")
                .setParameter("id", integrationId).setParameter("now", now).executeUpdate();
    }

    @Override
    public String table() {
        return columns.table();
    }

    @Override
    public List<Row> sealedWithOtherKeys(String keyId, UUID after, int limit) {
        return columns.sealedWithOtherKeys(keyId, after, limit);
    }

    /** Only the value and its key id: the row's attempts and timestamps describe the rotation, not its sealing. */
    @Override
    public void replace(UUID id, byte[] value, String keyId) {
        columns.replace(id, value, keyId);
    }

    @Override
    public long countSealedWithOtherKeys(String keyId) {
        return columns.countSealedWithOtherKeys(keyId);
    }

    public long count() {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM pending_rotation").getSingleResult()).longValue();
    }
}
