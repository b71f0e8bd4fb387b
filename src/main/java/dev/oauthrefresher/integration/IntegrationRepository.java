package dev.oauthrefresher.integration;

import dev.oauthrefresher.provider.Provider;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.tokenstore.SecretRef;
import jakarta.persistence.Query;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hibernate.Session;

/**
 * The integrations registry: reads for the APIs and the gauges, and the lifecycle's writes (reactivate, reconnect,
 * disconnect, a vault move's repointing), each guarded: a status moves only from {@code error} to {@code active} here,
 * and a lifecycle write lands only while its caller holds the row's lease. Leases are {@code lease/}'s, refresh outcomes
 * {@code refresh/attempt/}'s. Callers own the transaction.
 */
@ApplicationScoped
public class IntegrationRepository implements PanacheRepositoryBase<Integration, UUID> {

    /** Active integrations whose access token has already expired: each one is a refresh we missed. */
    public long countOverdue(Instant now) {
        return count("status = ?1 and accessTokenExpiresAt < ?2", IntegrationStatus.ACTIVE, now);
    }

    /** Integrations per status, every status present (zero when none). */
    public Map<IntegrationStatus, Long> countByStatus() {
        Map<IntegrationStatus, Long> counts = new java.util.EnumMap<>(IntegrationStatus.class);
        for (IntegrationStatus s : IntegrationStatus.values()) {
            counts.put(s, 0L);
        }
        getEntityManager()
                .createQuery("select i.status, count(i) from Integration i group by i.status", Object[].class)
                .getResultList()
                .forEach(row -> counts.put((IntegrationStatus) row[0], (Long) row[1]));
        return counts;
    }

    public List<Integration> listByTenant(String tenantId, int offset, int limit) {
        return find("tenantId = ?1 order by createdAt, id", tenantId).range(offset, offset + limit - 1).list();
    }

    public Optional<Integration> findForTenant(String tenantId, UUID id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id).firstResultOptional();
    }

    /**
     * The names among {@code secretNames} that a row has, in whatever vault: the one rule of what is an orphan
     * ({@code secret_name} is unique, so this is an index lookup per name).
     */
    public Set<String> referencedSecretNames(Collection<String> secretNames) {
        if (secretNames.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(getEntityManager()
                .createQuery("select i.secretName from Integration i where i.secretName in :names", String.class)
                .setParameter("names", secretNames).getResultList());
    }

    /** The tenant's integration for this provider's account, if it has one (the account's unique key). */
    public Optional<Integration> findByAccount(String tenantId, Provider provider, String externalAccount) {
        return find("tenantId = ?1 and provider = ?2 and externalAccount = ?3", tenantId, provider, externalAccount)
                .firstResultOptional();
    }

    /**
     * A registration's tokens are in the store: its access token goes beside the row, while the registrant still holds it
     * (the row was inserted without one, so nothing reads a token the store may yet refuse). False if the row is not ours.
     */
    public boolean sealRegisteredAccessToken(UUID id, String owner, byte[] accessTokenSealed) {
        return execute("UPDATE integration SET access_token_sealed = :sealed WHERE id = :id AND lease_owner = :owner",
                Map.of("id", id, "owner", owner, "sealed", accessTokenSealed)) == 1;
    }

    /** Deletes a registration whose tokens the store refused, if its registrant still holds it. */
    public boolean deleteLeased(UUID id, String owner) {
        return execute("DELETE FROM integration WHERE id = :id AND lease_owner = :owner",
                Map.of("id", id, "owner", owner)) == 1;
    }

    /** An operator fixed the cause: {@code error → active}, failures forgotten, due at once. */
    public boolean reactivate(UUID id, Instant now) {
        return execute("""
                UPDATE integration
                   SET status = 'active', status_version = status_version + 1, consecutive_failures = 0,
                       first_failure_at = NULL, next_attempt_at = NULL, last_error_code = NULL, last_error_message = NULL,
                       version = version + 1, updated_at = :now
                 WHERE id = :id AND status = 'error'
                """, Map.of("id", id, "now", now)) == 1;
    }

    public boolean hasPendingRotation(UUID id) {
        return ((Number) getEntityManager().createNativeQuery(
                "SELECT count(*) FROM pending_rotation WHERE integration_id = :id")
                .setParameter("id", id).getSingleResult()).longValue() > 0;
    }

    /**
     * The tokens are in {@code vault} now: the row points there, in one guarded statement. The lease stays
     * {@code owner}'s, so the old secret is deleted under it (nobody else can have written to the old vault meanwhile);
     * the mover releases it afterwards. The version moves on, so a token cached for the old version is read again.
     * False if the row is not ours.
     */
    public boolean moveToVault(UUID id, String owner, String vault, Instant now) {
        return execute("""
                UPDATE integration
                   SET vault = :vault, version = version + 1, updated_at = :now
                 WHERE id = :id AND lease_owner = :owner
                """, Map.of("id", id, "owner", owner, "vault", vault, "now", now)) == 1;
    }

    /** A tenant's integrations whose vault (NULL meaning default) is not {@code vault}, by id, at most {@code limit}. */
    @SuppressWarnings("unchecked")
    public List<Integration> listNotInVault(String tenantId, String vault, int limit) {
        return getEntityManager().createNativeQuery("""
                SELECT i.* FROM integration i
                 WHERE i.tenant_id = :tenant AND COALESCE(i.vault, 'default') <> :vault
                 ORDER BY i.id
                 LIMIT :limit
                """, Integration.class)
                .setParameter("tenant", tenantId).setParameter("vault", vault).setParameter("limit", limit)
                .getResultList();
    }

    /** How many of a tenant's integrations are ({@code in}) or are not in {@code vault}. */
    public long countByVault(String tenantId, String vault, boolean in) {
        return ((Number) getEntityManager().createNativeQuery("SELECT count(*) FROM integration i WHERE i.tenant_id = :tenant AND "
                + "(COALESCE(i.vault, 'default') = :vault) = :in")
                .setParameter("tenant", tenantId).setParameter("vault", vault).setParameter("in", in)
                .getSingleResult()).longValue();
    }

    /**
     * A new consent's tokens are in the store: back to {@code active} from any status, failures and backoff
     * forgotten, the new expiry and its access token sealed beside it ({@link AccessTokenSeal}), lease released. False if
     * the row is no longer ours.
     */
    public boolean reconnect(UUID id, String owner, Instant newExpiry, byte[] accessTokenSealed, Instant now) {
        if (execute("""
                UPDATE integration
                   SET status = 'active', status_version = status_version + 1, access_token_expires_at = :expiry,
                       access_token_sealed = :sealed, last_refreshed_at = :now, next_attempt_at = NULL, consecutive_failures = 0, first_failure_at = NULL,
                       last_error_code = NULL, last_error_message = NULL,
                       lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now
                 WHERE id = :id AND lease_owner = :owner
                """, Map.of("id", id, "owner", owner, "expiry", newExpiry, "sealed", accessTokenSealed, "now", now)) != 1) {
            return false;
        }
        // A rotation of the old grant still waiting for the store must never overwrite the new consent's tokens.
        execute("DELETE FROM pending_rotation WHERE integration_id = :id", Map.of("id", id));
        return true;
    }

    /** Removes a disconnected integration whose lease {@code owner} holds, leaving a tombstone for its tenant. */
    public boolean disconnect(UUID id, String tenantId, String owner, Instant now) {
        if (execute("DELETE FROM integration WHERE id = :id AND lease_owner = :owner", Map.of("id", id, "owner", owner)) != 1) {
            return false;
        }
        execute("""
                INSERT INTO disconnected_integration (id, tenant_id, disconnected_at) VALUES (:id, :tenant, :now)
                ON CONFLICT (id) DO NOTHING
                """, Map.of("id", id, "tenant", tenantId, "now", now));
        return true;
    }

    public boolean wasDisconnected(String tenantId, UUID id) {
        return ((Number) getEntityManager().createNativeQuery(
                "SELECT count(*) FROM disconnected_integration WHERE id = :id AND tenant_id = :tenant")
                .setParameter("id", id).setParameter("tenant", tenantId).getSingleResult()).longValue() > 0;
    }

    /** Deletes up to {@code batch} disconnect tombstones older than {@code cutoff}; returns how many. */
    int deleteTombstonesBefore(Instant cutoff, int batch) {
        return getEntityManager().createNativeQuery("""
                DELETE FROM disconnected_integration WHERE id IN (
                    SELECT id FROM disconnected_integration WHERE disconnected_at < :cutoff
                     ORDER BY disconnected_at LIMIT :batch)
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }

    /** When the oldest tombstone kept was left. */
    Optional<Instant> oldestTombstone() {
        return Optional.ofNullable(Timestamps.toInstant(getEntityManager().createNativeQuery(
                "SELECT min(disconnected_at) FROM disconnected_integration").getSingleResult()));
    }

    /** A tenant's integrations, optionally of one status and provider, oldest first. */
    public List<Integration> listByTenant(String tenantId, Optional<IntegrationStatus> status, Optional<Provider> provider,
            int offset, int limit) {
        return filtered(tenantId, status, provider, " order by createdAt, id").range(offset, offset + limit - 1).list();
    }

    public long countByTenant(String tenantId, Optional<IntegrationStatus> status, Optional<Provider> provider) {
        return filtered(tenantId, status, provider, "").count();
    }

    private PanacheQuery<Integration> filtered(String tenantId,
            Optional<IntegrationStatus> status, Optional<Provider> provider, String order) {
        Map<String, Object> params = new HashMap<>();
        params.put("tenant", tenantId);
        StringBuilder where = new StringBuilder("tenantId = :tenant");
        status.ifPresent(s -> {
            where.append(" and status = :status");
            params.put("status", s);
        });
        provider.ifPresent(p -> {
            where.append(" and provider = :provider");
            params.put("provider", p);
        });
        return find(where + order, params);
    }

    private int execute(String sql, Map<String, Object> params) {
        Query q = getEntityManager().createNativeQuery(sql);
        params.forEach(q::setParameter);
        return q.executeUpdate();
    }
}
