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
import java.util.UUID;
import java.util.stream.Collectors;
import org.hibernate.Session;

/**
 * Integrations, and the only place their status and lease change. Every write here is guarded: a status
 * moves only from {@code active} (or, for reactivation, from {@code error}), and a refresh outcome lands
 * only while the caller still holds the row's lease. Callers own the transaction.
 */
@ApplicationScoped
public class IntegrationRepository implements PanacheRepositoryBase<Integration, UUID> {

    /**
     * "Due for refresh", written once: active, of an unpaused tenant, expiring within the lead time or idle past
     * the keep-alive age, past its backoff, not leased, no rotated refresh token pending (its old one is spent:
     * refreshing with it would kill the grant); then the query's own narrowing ({@link #filters}).
     */
    private static final String DUE = """
            i.status = 'active'
               AND (i.access_token_expires_at <= :expiresBefore OR i.last_refreshed_at <= :idleSince)
               AND (i.next_attempt_at IS NULL OR i.next_attempt_at <= :now)
               AND (i.lease_expires_at IS NULL OR i.lease_expires_at <= :now)
               AND i.tenant_id NOT IN (SELECT t.id FROM tenant t WHERE t.refresh_paused)
               AND NOT EXISTS (SELECT 1 FROM pending_rotation p WHERE p.integration_id = i.id)
            """;

    // Candidates are locked with SKIP LOCKED, so a concurrent claimer passes over them instead of waiting;
    // a row it already skipped-over and that we then lease fails its lease test on recheck. The outer
    // UPDATE stamps the lease in the same statement, so there is no window between select and lease.
    private static final String CLAIM_SQL = """
            WITH due AS (
                SELECT i.id
                  FROM integration i
                 WHERE %s
                 ORDER BY i.access_token_expires_at
                 LIMIT :limit
                   FOR UPDATE OF i SKIP LOCKED
            )
            UPDATE integration i
               SET lease_owner = :owner, lease_expires_at = :leaseUntil, version = i.version + 1
              FROM due
             WHERE i.id = due.id
            RETURNING i.*
            """;

    /**
     * Claims up to {@code query.limit()} due integrations for {@code owner} until {@code leaseUntil}, most
     * urgent (earliest expiry) first. Concurrent callers receive disjoint sets; a crashed owner's lease
     * lapses at {@code leaseUntil} and the rows become claimable again.
     */
    @SuppressWarnings("unchecked")
    public List<Integration> claimDueForRefresh(DueQuery query, String owner, Instant leaseUntil) {
        Query q = getEntityManager().createNativeQuery(claimSql(query), Integration.class);
        bindClaim(q, query, owner, leaseUntil);
        List<Integration> claimed = q.getResultList();
        // RETURNING gives rows in no particular order; the pipeline wants the most urgent first.
        return claimed.stream()
                .sorted((a, b) -> a.accessTokenExpiresAt().compareTo(b.accessTokenExpiresAt()))
                .toList();
    }

    /**
     * Claims one integration regardless of how soon it expires (a manual refresh): it must be active, its
     * tenant not paused, no rotation pending, and nobody else may hold its lease. Empty if any of that fails.
     */
    public Optional<Integration> claimOne(UUID id, String owner, Instant now, Instant leaseUntil) {
        return leaseOne(id, owner, now, leaseUntil,
                "i.status = 'active' AND i.tenant_id NOT IN (SELECT t.id FROM tenant t WHERE t.refresh_paused)");
    }

    /**
     * Leases row {@code id} to {@code owner} if nobody holds it, no rotated refresh token is pending for it, and
     * {@code condition} (SQL on {@code i}, a constant of the caller's) holds.
     */
    @SuppressWarnings("unchecked")
    private Optional<Integration> leaseOne(UUID id, String owner, Instant now, Instant leaseUntil, String condition) {
        List<Integration> claimed = getEntityManager().createNativeQuery("""
                UPDATE integration i
                   SET lease_owner = :owner, lease_expires_at = :leaseUntil, version = i.version + 1
                 WHERE i.id = :id AND (i.lease_expires_at IS NULL OR i.lease_expires_at <= :now)
                   AND NOT EXISTS (SELECT 1 FROM pending_rotation p WHERE p.integration_id = i.id)
                   AND %s
                RETURNING i.*
                """.formatted(condition), Integration.class)
                .setParameter("id", id).setParameter("owner", owner).setParameter("now", now)
                .setParameter("leaseUntil", leaseUntil)
                .getResultList();
        return claimed.stream().findFirst();
    }

    /** What a lease renewal found: rows still ours (now held until the new instant), and rows another owner holds. */
    public record Renewal(List<UUID> renewed, List<UUID> heldByOthers) {
    }

    /** Keeps holding rows {@code owner} still works on; reports those someone else has claimed meanwhile. */
    @SuppressWarnings("unchecked")
    public Renewal renewLeases(Collection<UUID> ids, String owner, Instant leaseUntil) {
        if (ids.isEmpty()) {
            return new Renewal(List.of(), List.of());
        }
        // rows locked in id order, as the outcome writer's batches lock them, so the two never deadlock
        List<UUID> renewed = getEntityManager().createNativeQuery("""
                UPDATE integration SET lease_expires_at = :leaseUntil
                 WHERE id IN (SELECT id FROM integration WHERE id IN (:ids) AND lease_owner = :owner
                               ORDER BY id FOR UPDATE)
                   AND lease_owner = :owner
                RETURNING id
                """).setParameter("ids", ids).setParameter("owner", owner).setParameter("leaseUntil", leaseUntil)
                .getResultList();
        List<UUID> others = getEntityManager().createNativeQuery("""
                SELECT id FROM integration WHERE id IN (:ids) AND lease_owner IS NOT NULL AND lease_owner <> :owner
                """).setParameter("ids", ids).setParameter("owner", owner).getResultList();
        return new Renewal(renewed, others);
    }

    /**
     * The fence in front of every token-store write: re-asserts, in one guarded statement, that {@code owner} still
     * holds row {@code id}, extends its lease to {@code leaseUntil} (so the write that follows has a whole lease to
     * land in), and returns where the row's tokens are now. Empty if the owner no longer holds the row (released,
     * claimed by someone else, reconnected, disconnected, moved): the caller must then write nothing. Owners are
     * unique per claim, so an unchanged owner proves that nobody else has claimed the row since; a lapsed lease
     * that nobody took is therefore still the owner's, as {@link #renewLeases} treats it too.
     */
    public Optional<SecretRef> fence(UUID id, String owner, Instant leaseUntil) {
        Holder holder = new Holder(id, owner);
        return Optional.ofNullable(fence(List.of(holder), leaseUntil).get(holder));
    }

    /** A row and the lease owner that must still hold it. */
    public record Holder(UUID id, String owner) {
    }

    /**
     * {@link #fence(UUID, String, Instant)} for many rows in one statement (the pipeline's fences are grouped like its
     * outcome writes): the secret of each row its holder still holds; the others are absent.
     */
    public Map<Holder, SecretRef> fence(List<Holder> holders, Instant leaseUntil) {
        return getEntityManager().unwrap(Session.class).doReturningWork(connection -> {
            // rows locked in id order, as renewals and the outcome writer lock them, so the three never deadlock
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE integration i SET lease_expires_at = ?
                      FROM (SELECT x.id, f.owner
                              FROM integration x JOIN unnest(?::uuid[], ?::text[]) AS f(id, owner)
                                ON x.id = f.id AND x.lease_owner = f.owner
                             ORDER BY x.id FOR UPDATE OF x) AS held
                     WHERE i.id = held.id AND i.lease_owner = held.owner
                    RETURNING i.id, i.lease_owner, COALESCE(i.vault, ?), i.secret_name
                    """)) {
                update.setObject(1, Timestamps.utc(leaseUntil));
                update.setArray(2, connection.createArrayOf("uuid", holders.stream().map(Holder::id).toArray()));
                update.setArray(3, connection.createArrayOf("text", holders.stream().map(Holder::owner).toArray()));
                update.setString(4, SecretRef.DEFAULT_VAULT);
                Map<Holder, SecretRef> fenced = new HashMap<>();
                try (ResultSet rows = update.executeQuery()) {
                    while (rows.next()) {
                        fenced.put(new Holder(rows.getObject(1, UUID.class), rows.getString(2)),
                                new SecretRef(rows.getString(3), rows.getString(4)));
                    }
                }
                return fenced;
            }
        });
    }

    /** The same selection as {@link #claimDueForRefresh} without leasing anything: for dry runs. */
    @SuppressWarnings("unchecked")
    public List<Integration> peekDue(DueQuery query) {
        String sql = """
                SELECT i.* FROM integration i
                 WHERE %s
                 ORDER BY i.access_token_expires_at
                 LIMIT :limit
                """.formatted(due(query));
        Query q = getEntityManager().createNativeQuery(sql, Integration.class);
        bindDue(q, query);
        return q.getResultList();
    }

    /** How many integrations are due and unleased right now, ignoring the limit: the run's "remaining". */
    public long countDue(DueQuery query) {
        Query q = getEntityManager().createNativeQuery("SELECT count(*) FROM integration i WHERE " + due(query));
        bindDuePredicate(q, query);
        return ((Number) q.getSingleResult()).longValue();
    }

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

    /** One row's refresh to record: the row, the lease owner it must still have, the new expiry, when. */
    public record Refreshed(UUID id, String owner, Instant newExpiry, Instant now) {
    }

    /**
     * Refreshes succeeded: new expiry, failures forgotten, lease released; for many rows as one JDBC batch (one
     * round trip, one statement PostgreSQL prepares once, instead of a query per row that Hibernate builds and
     * PostgreSQL plans anew). Element {@code i} is false if row {@code i} was no longer active and ours.
     */
    public boolean[] markAllRefreshed(List<Refreshed> rows) {
        return getEntityManager().unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE integration
                       SET access_token_expires_at = ?, last_refreshed_at = ?, last_attempt_at = ?,
                           next_attempt_at = NULL, consecutive_failures = 0, first_failure_at = NULL,
                           last_error_code = NULL, last_error_message = NULL,
                           lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = ?
                     WHERE id = ? AND status = 'active' AND lease_owner = ?
                    """)) {
                for (Refreshed row : rows) {
                    OffsetDateTime now = Timestamps.utc(row.now());
                    update.setObject(1, Timestamps.utc(row.newExpiry()));
                    update.setObject(2, now);
                    update.setObject(3, now);
                    update.setObject(4, now);
                    update.setObject(5, row.id());
                    update.setString(6, row.owner());
                    update.addBatch();
                }
                int[] counts = update.executeBatch();
                boolean[] applied = new boolean[counts.length];
                for (int i = 0; i < counts.length; i++) {
                    applied[i] = counts[i] == 1;
                }
                return applied;
            }
        });
    }

    /** The grant is dead: {@code active → expired}. False if the row was not active or not ours. */
    public boolean markExpired(UUID id, String owner, String code, String message, Instant now) {
        return leaveActive(IntegrationStatus.EXPIRED, id, owner, code, message, now);
    }

    /** The integration cannot be refreshed without an operator: {@code active → error}. */
    public boolean markError(UUID id, String owner, String code, String message, Instant now) {
        return leaveActive(IntegrationStatus.ERROR, id, owner, code, message, now);
    }

    private boolean leaveActive(IntegrationStatus to, UUID id, String owner, String code, String message, Instant now) {
        return execute("""
                UPDATE integration
                   SET status = :to, status_version = status_version + 1, last_attempt_at = :now, last_error_code = :code,
                       last_error_message = :message, next_attempt_at = NULL,
                       lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now
                 WHERE id = :id AND status = 'active' AND lease_owner = :owner
                """, Map.of("to", to.code(), "id", id, "owner", owner, "code", code, "message", message, "now", now)) == 1;
    }

    /**
     * A transient failure: one more consecutive failure and a backoff until {@code nextAttemptAt}. The row
     * moves to {@code error} only when this failure is at least the {@code errorAfterFailures}-th in a row
     * and the first of them is older than {@code errorIfFailingSince}; both must hold, so a short burst
     * outage cannot flip integrations. Returns the resulting status, or empty if the row was not ours.
     */
    public Optional<IntegrationStatus> recordTransientFailure(UUID id, String owner, String code, String message,
            Instant nextAttemptAt, int errorAfterFailures, Instant errorIfFailingSince, Instant now) {
        @SuppressWarnings("unchecked")
        List<String> status = getEntityManager().createNativeQuery("""
                UPDATE integration
                   SET consecutive_failures = consecutive_failures + 1,
                       first_failure_at = COALESCE(first_failure_at, :now),
                       status = CASE WHEN consecutive_failures + 1 >= :maxFailures
                                      AND COALESCE(first_failure_at, :now) <= :failingSince
                                     THEN 'error' ELSE status END,
                       status_version = status_version + CASE WHEN consecutive_failures + 1 >= :maxFailures
                                      AND COALESCE(first_failure_at, :now) <= :failingSince THEN 1 ELSE 0 END,
                       next_attempt_at = :next, last_attempt_at = :now,
                       last_error_code = :code, last_error_message = :message,
                       lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now
                 WHERE id = :id AND status = 'active' AND lease_owner = :owner
                RETURNING status
                """)
                .setParameter("id", id).setParameter("owner", owner).setParameter("code", code)
                .setParameter("message", message).setParameter("next", nextAttemptAt)
                .setParameter("maxFailures", errorAfterFailures).setParameter("failingSince", errorIfFailingSince)
                .setParameter("now", now)
                .getResultList();
        return status.stream().findFirst().map(IntegrationStatus::fromCode);
    }

    /** Gives rows back untouched (deferred work, an open circuit): they stay due for the next run. */
    public int release(Collection<UUID> ids, String owner) {
        if (ids.isEmpty()) {
            return 0;
        }
        return getEntityManager().createNativeQuery("""
                UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL
                 WHERE id IN (:ids) AND lease_owner = :owner
                """).setParameter("ids", ids).setParameter("owner", owner).executeUpdate();
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

    /**
     * Leases one integration whatever its status or its tenant's pause, for a lifecycle change (reconnect,
     * disconnect) that must not overlap a refresh. Empty while someone else holds the lease.
     */
    @SuppressWarnings("unchecked")
    public Optional<Integration> claimForLifecycle(UUID id, String owner, Instant now, Instant leaseUntil) {
        List<Integration> claimed = getEntityManager().createNativeQuery("""
                UPDATE integration i
                   SET lease_owner = :owner, lease_expires_at = :leaseUntil, version = i.version + 1
                 WHERE i.id = :id AND (i.lease_expires_at IS NULL OR i.lease_expires_at <= :now)
                RETURNING i.*
                """, Integration.class)
                .setParameter("id", id).setParameter("owner", owner).setParameter("now", now)
                .setParameter("leaseUntil", leaseUntil)
                .getResultList();
        return claimed.stream().findFirst();
    }

    /**
     * Leases one integration for a vault move, whatever its status or its tenant's pause, unless someone holds it or a
     * rotated refresh token is pending for it (that token must land in the vault the row names first).
     */
    public Optional<Integration> claimForVaultMove(UUID id, String owner, Instant now, Instant leaseUntil) {
        return leaseOne(id, owner, now, leaseUntil, "true");
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
     * forgotten, the new expiry, lease released. False if the row is no longer ours.
     */
    public boolean reconnect(UUID id, String owner, Instant newExpiry, Instant now) {
        if (execute("""
                UPDATE integration
                   SET status = 'active', status_version = status_version + 1, access_token_expires_at = :expiry,
                       last_refreshed_at = :now, next_attempt_at = NULL, consecutive_failures = 0, first_failure_at = NULL,
                       last_error_code = NULL, last_error_message = NULL,
                       lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now
                 WHERE id = :id AND lease_owner = :owner
                """, Map.of("id", id, "owner", owner, "expiry", newExpiry, "now", now)) != 1) {
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

    static String claimSql(DueQuery query) {
        return CLAIM_SQL.formatted(due(query));
    }

    private static String due(DueQuery query) {
        return DUE + filters(query);
    }

    static void bindClaim(Query q, DueQuery query, String owner, Instant leaseUntil) {
        bindDue(q, query);
        q.setParameter("owner", owner);
        q.setParameter("leaseUntil", leaseUntil);
    }

    private static String filters(DueQuery query) {
        return List.of(
                        query.tenant().map(t -> "AND i.tenant_id = :tenant").orElse(""),
                        query.excludedTenants().isEmpty() ? "" : "AND i.tenant_id NOT IN (:excludedTenants)",
                        query.excludedVaults().isEmpty() ? "" : "AND COALESCE(i.vault, 'default') NOT IN (:excludedVaults)",
                        query.provider().map(p -> "AND i.provider = :provider").orElse(""),
                        query.providerGroup().map(g -> "AND i.provider_group = :providerGroup").orElse(""))
                .stream().filter(s -> !s.isEmpty()).collect(Collectors.joining("\n"));
    }

    private static void bindDue(Query q, DueQuery query) {
        bindDuePredicate(q, query);
        q.setParameter("limit", query.limit());
    }

    private static void bindDuePredicate(Query q, DueQuery query) {
        q.setParameter("expiresBefore", query.expiresBefore());
        q.setParameter("idleSince", query.idleSince());
        q.setParameter("now", query.now());
        query.tenant().ifPresent(t -> q.setParameter("tenant", t));
        if (!query.excludedTenants().isEmpty()) {
            q.setParameter("excludedTenants", query.excludedTenants());
        }
        if (!query.excludedVaults().isEmpty()) {
            q.setParameter("excludedVaults", query.excludedVaults());
        }
        query.provider().ifPresent(p -> q.setParameter("provider", p.code()));
        query.providerGroup().ifPresent(g -> q.setParameter("providerGroup", g));
    }
}
