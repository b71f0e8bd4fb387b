package dev.oauthrefresher.lease;

import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.tokenstore.SecretRef;
import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hibernate.Session;

/**
 * The lease columns of {@code integration} ({@code lease_owner}, {@code lease_expires_at}, {@code lease_generation}):
 * every statement that takes, renews, proves or gives back a lease, and the "due for refresh" rule that decides which
 * rows a run may take. Every claim bumps {@code lease_generation}, never the row's {@code version} (which moves only
 * when the tokens or the row's meaning change, and tags cached tokens). Callers own the transaction, except
 * {@link #renew}, which runs on the renewals' own connections.
 */
@ApplicationScoped
public class LeaseRepository {

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

    /** What one claim stamps on a row: its owner, until when, and the next generation. */
    private static final String TAKE = "lease_owner = :owner, lease_expires_at = :leaseUntil, lease_generation = i.lease_generation + 1";

    // Candidates are locked with SKIP LOCKED, so a concurrent claimer passes over them instead of waiting;
    // a row it already skipped-over and that we then lease fails its lease test on recheck. The outer
    // UPDATE stamps the lease in the same statement, so there is no window between select and lease.
    // It finds each locked row by its ctid, not its id: a TID scan instead of a primary-key descent per row, a third
    // of the claim's buffer reads (BENCHMARKS.md, "The claim query"). A row we lock cannot move until we commit;
    // were a ctid ever stale, the UPDATE's recheck would skip that row (claimed later), never lease another.
    private static final String CLAIM_SQL = """
            WITH due AS (
                SELECT i.ctid AS locked
                  FROM integration i
                 WHERE %s
                 ORDER BY i.access_token_expires_at
                 LIMIT :limit
                   FOR UPDATE OF i SKIP LOCKED
            )
            UPDATE integration i
               SET %s
              FROM due
             WHERE i.ctid = due.locked
            RETURNING i.*
            """;

    /** On what terms one row may be leased, whoever asks; nobody else may hold it in any case. */
    public enum Terms {
        /** A manual or on-demand refresh: active, tenant not paused, no rotated refresh token pending. */
        REFRESH("i.status = 'active' AND i.tenant_id NOT IN (SELECT t.id FROM tenant t WHERE t.refresh_paused) "
                + "AND NOT EXISTS (SELECT 1 FROM pending_rotation p WHERE p.integration_id = i.id)"),
        /**
         * Reconnect or disconnect: whatever its status or its tenant's pause, and even with a rotation pending whose
         * holder's lease lapsed (the change supersedes it).
         */
        LIFECYCLE("true"),
        /** A vault move: no rotated refresh token pending (that token must land in the vault the row names first). */
        VAULT_MOVE("NOT EXISTS (SELECT 1 FROM pending_rotation p WHERE p.integration_id = i.id)");

        private final String condition;

        Terms(String condition) {
            this.condition = condition;
        }
    }

    /** What a lease renewal found: rows still ours (now held until the new instant), and rows another owner holds. */
    public record Renewal(List<UUID> renewed, List<UUID> heldByOthers) {
    }

    /** A row and the lease owner that must still hold it. */
    public record Holder(UUID id, String owner) {
    }

    private final EntityManager em;
    private final AgroalDataSource renewals;
    private final AgroalDataSource main;

    LeaseRepository(EntityManager em, @DataSource("leases") AgroalDataSource renewals, AgroalDataSource main) {
        this.em = em;
        this.renewals = renewals;
        this.main = main;
    }

    /**
     * Claims up to {@code query.limit()} due integrations for {@code owner} until {@code leaseUntil}, most
     * urgent (earliest expiry) first. Concurrent callers receive disjoint sets; a crashed owner's lease
     * lapses at {@code leaseUntil} and the rows become claimable again.
     */
    @SuppressWarnings("unchecked")
    List<Integration> claimDue(DueQuery query, String owner, Instant leaseUntil) {
        Query q = em.createNativeQuery(CLAIM_SQL.formatted(due(query), TAKE), Integration.class);
        bindDue(q, query);
        q.setParameter("owner", owner);
        q.setParameter("leaseUntil", leaseUntil);
        List<Integration> claimed = q.getResultList();
        // RETURNING gives rows in no particular order; the pipeline wants the most urgent first.
        return claimed.stream()
                .sorted((a, b) -> a.accessTokenExpiresAt().compareTo(b.accessTokenExpiresAt()))
                .toList();
    }

    /** Leases row {@code id} to {@code owner} on {@code terms} if nobody holds it; empty otherwise. */
    @SuppressWarnings("unchecked")
    Optional<Integration> claimOne(UUID id, Terms terms, String owner, Instant now, Instant leaseUntil) {
        List<Integration> claimed = em.createNativeQuery("""
                UPDATE integration i
                   SET %s
                 WHERE i.id = :id AND (i.lease_expires_at IS NULL OR i.lease_expires_at <= :now)
                   AND %s
                RETURNING i.*
                """.formatted(TAKE, terms.condition), Integration.class)
                .setParameter("id", id).setParameter("owner", owner).setParameter("now", now)
                .setParameter("leaseUntil", leaseUntil)
                .getResultList();
        return claimed.stream().findFirst();
    }

    /**
     * Leases, for {@code owner}, up to {@code limit} rows with a pending rotation sealed with one of {@code keyIds} that
     * nobody holds (their owner died or released them at shutdown); returns their ids, oldest rotation first.
     */
    @SuppressWarnings("unchecked")
    List<UUID> claimPendingRotations(Collection<String> keyIds, String owner, Instant now, Instant leaseUntil, int limit) {
        return em.createNativeQuery("""
                WITH free AS (
                    SELECT i.id FROM integration i JOIN pending_rotation p ON p.integration_id = i.id
                     WHERE p.key_id IN (:keys) AND (i.lease_expires_at IS NULL OR i.lease_expires_at <= :now)
                     ORDER BY p.created_at
                     LIMIT :limit
                       FOR UPDATE OF i SKIP LOCKED
                )
                UPDATE integration i SET %s
                  FROM free
                 WHERE i.id = free.id
                RETURNING i.id
                """.formatted(TAKE)).setParameter("keys", keyIds).setParameter("owner", owner).setParameter("now", now)
                .setParameter("leaseUntil", leaseUntil).setParameter("limit", limit)
                .getResultList();
    }

    /**
     * Keeps holding rows {@code owner} still works on, and reports those someone else holds now; on the renewals' own
     * connection pool, so no tenant-driven load on the main pool can delay a renewal past a lease.
     */
    Renewal renew(Collection<UUID> ids, String owner, Instant leaseUntil) throws SQLException {
        if (ids.isEmpty()) {
            return new Renewal(List.of(), List.of());
        }
        try (Connection connection = renewals.getConnection();
                // rows locked in id order, as the outcome writer's batches and the fences lock them, so none deadlock
                PreparedStatement statement = connection.prepareStatement("""
                        WITH mine AS (
                            UPDATE integration SET lease_expires_at = ?
                             WHERE id IN (SELECT id FROM integration WHERE id = ANY(?) AND lease_owner = ?
                                           ORDER BY id FOR UPDATE)
                               AND lease_owner = ?
                            RETURNING id
                        )
                        SELECT i.id, i.id IN (SELECT id FROM mine), i.lease_owner IS NOT NULL AND i.lease_owner <> ?
                          FROM integration i WHERE i.id = ANY(?)
                        """)) {
            java.sql.Array idArray = connection.createArrayOf("uuid", ids.toArray());
            statement.setObject(1, Timestamps.utc(leaseUntil));
            statement.setArray(2, idArray);
            statement.setString(3, owner);
            statement.setString(4, owner);
            statement.setString(5, owner);
            statement.setArray(6, idArray);
            List<UUID> renewed = new ArrayList<>();
            List<UUID> others = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    UUID id = rows.getObject(1, UUID.class);
                    if (rows.getBoolean(2)) {
                        renewed.add(id);
                    } else if (rows.getBoolean(3)) {
                        others.add(id);
                    }
                }
            }
            return new Renewal(renewed, others);
        }
    }

    /**
     * The fence in front of every token-store write, for many rows: proves that each holder still holds its row for at
     * least until {@code provenUntil}, and returns where each held row's tokens are now. Rows their holder lost
     * (released, claimed by someone else, reconnected, disconnected, moved) are absent: their caller writes nothing.
     *
     * <p>Owners are unique per claim, so an unchanged owner proves nobody has claimed the row since. A row whose lease
     * ends at or after {@code provenUntil} needs no write to prove it: nobody may claim, reconnect, disconnect or move a
     * row before its lease ends, so it stays the holder's until then, and one read answers (the common case: renewals keep
     * four fifths of a lease ahead). Only a row whose lease ends sooner (a renewal missed, a lapsed lease nobody took,
     * which is still the owner's) is extended to {@code leaseUntil} by a guarded update, so its write has time to land.
     */
    Map<Holder, SecretRef> fence(List<Holder> holders, Instant provenUntil, Instant leaseUntil) {
        return em.unwrap(Session.class).doReturningWork(connection -> fence(connection, holders, provenUntil, leaseUntil));
    }

    /**
     * {@link #fence} outside any transaction, for the batched fences of reactive callers: its read is one statement and
     * its guarded update another, each atomic on its own, so neither needs the JTA transaction and Hibernate session
     * that {@link #fence} pays for per batch (a batch is one or a few refreshes at a time when refreshes wait on the
     * provider). On the main pool: a fence is part of the refresh it guards, unlike a renewal.
     */
    Map<Holder, SecretRef> fenceAutocommit(List<Holder> holders, Instant provenUntil, Instant leaseUntil) throws SQLException {
        try (Connection connection = main.getConnection()) {
            return fence(connection, holders, provenUntil, leaseUntil);
        }
    }

    private static Map<Holder, SecretRef> fence(Connection connection, List<Holder> holders, Instant provenUntil,
            Instant leaseUntil) throws SQLException {
        Map<Holder, SecretRef> fenced = new HashMap<>();
        List<Holder> shortLeases = new ArrayList<>();
        try (PreparedStatement read = connection.prepareStatement("""
                SELECT x.id, x.lease_owner, COALESCE(x.vault, ?), x.secret_name, x.lease_expires_at >= ?
                  FROM integration x JOIN unnest(?::uuid[], ?::text[]) AS f(id, owner)
                    ON x.id = f.id AND x.lease_owner = f.owner
                """)) {
            read.setString(1, SecretRef.DEFAULT_VAULT);
            read.setObject(2, Timestamps.utc(provenUntil));
            read.setArray(3, connection.createArrayOf("uuid", holders.stream().map(Holder::id).toArray()));
            read.setArray(4, connection.createArrayOf("text", holders.stream().map(Holder::owner).toArray()));
            try (ResultSet rows = read.executeQuery()) {
                while (rows.next()) {
                    Holder holder = new Holder(rows.getObject(1, UUID.class), rows.getString(2));
                    if (rows.getBoolean(5)) {
                        fenced.put(holder, new SecretRef(rows.getString(3), rows.getString(4)));
                    } else {
                        shortLeases.add(holder);
                    }
                }
            }
        }
        if (!shortLeases.isEmpty()) {
            fenced.putAll(extend(connection, shortLeases, leaseUntil));
        }
        return fenced;
    }

    /** The guarded update of {@link #fence} for rows whose lease ends too soon: extended to {@code leaseUntil} if still held. */
    private static Map<Holder, SecretRef> extend(Connection connection, List<Holder> holders, Instant leaseUntil)
            throws SQLException {
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
    }

    /**
     * Gives rows back untouched (deferred work, an open circuit, a lifecycle change done): they stay as they were. Public
     * for the outcome writer, which gives a deferred row back inside its batch's transaction; everyone else releases
     * through {@link Leases#release}, which also stops the renewal.
     */
    public int release(Collection<UUID> ids, String owner) {
        if (ids.isEmpty()) {
            return 0;
        }
        return em.createNativeQuery("""
                UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL
                 WHERE id IN (:ids) AND lease_owner = :owner
                """).setParameter("ids", ids).setParameter("owner", owner).executeUpdate();
    }

    /** The same selection as {@link #claimDue} without leasing anything: for dry runs. */
    @SuppressWarnings("unchecked")
    public List<Integration> peekDue(DueQuery query) {
        Query q = em.createNativeQuery("""
                SELECT i.* FROM integration i
                 WHERE %s
                 ORDER BY i.access_token_expires_at
                 LIMIT :limit
                """.formatted(due(query)), Integration.class);
        bindDue(q, query);
        return q.getResultList();
    }

    /** How many integrations are due and unleased right now, ignoring the limit: the run's "remaining". */
    public long countDue(DueQuery query) {
        Query q = em.createNativeQuery("SELECT count(*) FROM integration i WHERE " + due(query));
        bindDuePredicate(q, query);
        return ((Number) q.getSingleResult()).longValue();
    }

    /** The claim statement for {@code query}, for tests that read its plan. */
    static String claimSql(DueQuery query) {
        return CLAIM_SQL.formatted(due(query), TAKE);
    }

    private static String due(DueQuery query) {
        return DUE + filters(query);
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

    static void bindDue(Query q, DueQuery query) {
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
