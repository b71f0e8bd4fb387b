package dev.oauthrefresher.webhook;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;

/**
 * The outbox ({@code webhook_event}) and its deliveries ({@code webhook_delivery}): the only place their rows
 * change. A delivery's outcome lands only while the caller holds its lease. Callers own the transaction.
 */
@ApplicationScoped
public class WebhookDeliveryRepository {

    /** A delivery as the API lists it. */
    public record DeliveryRow(long id, UUID eventId, String eventType, UUID endpointId, UUID integrationId,
            String status, int attempts, Instant nextAttemptAt, Instant lastAttemptAt, Integer lastResponseStatus,
            String lastError, Instant createdAt, Instant finishedAt) {
    }

    // Claims take turns: the claimers of all replicas queue on this transaction-scoped advisory lock, so each one's
    // statement sees the leases the previous one committed and the in-flight caps hold exactly. The same statement
    // turns JIT off for the claim: the planner's estimate for the per-endpoint LIMITs is far above the few
    // milliseconds the claim takes, and compiling it would cost more than running it.
    private static final long CLAIM_LOCK = 0x7765626b636c6dL;

    // Due, unleased and not overtaking: for the same endpoint and integration no earlier delivery may still be
    // pending. In flight ("busy") is a pending delivery under an unexpired lease, whichever replica holds it. Each
    // enabled endpoint offers its oldest due rows up to its free share of the per-endpoint cap (an index walk that
    // stops there, however long its backlog), then each tenant's offers are ranked up to its free share of the
    // per-tenant cap; the batch takes every tenant's first turn before anyone's second, so one tenant's backlog
    // cannot fill it. SKIP LOCKED passes over a row another transaction is settling; its successors stay blocked by
    // the NOT EXISTS until it is settled.
    static final String CLAIM_SQL = """
            WITH busy AS (
                SELECT d.endpoint_id, count(*) AS n
                  FROM webhook_delivery d
                 WHERE d.status = 'pending' AND d.lease_owner IS NOT NULL AND d.lease_expires_at > :now
                 GROUP BY d.endpoint_id
            ), tenant_busy AS (
                SELECT e.tenant_id, sum(b.n) AS n
                  FROM busy b
                  JOIN webhook_endpoint e ON e.id = b.endpoint_id
                 GROUP BY e.tenant_id
            ), offered AS (
                SELECT d.id, e.tenant_id, d.next_attempt_at, d.endpoint_turn
                  FROM webhook_endpoint e
                  LEFT JOIN busy b ON b.endpoint_id = e.id
                 CROSS JOIN LATERAL (
                       SELECT d.id, d.next_attempt_at, row_number() OVER (ORDER BY d.next_attempt_at, d.id) AS endpoint_turn
                         FROM webhook_delivery d
                        WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= :now
                          AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= :now)
                          AND (d.integration_id IS NULL OR NOT EXISTS (
                               SELECT 1 FROM webhook_delivery p
                                WHERE p.endpoint_id = d.endpoint_id AND p.integration_id = d.integration_id
                                  AND p.status = 'pending' AND p.id < d.id))
                        ORDER BY d.next_attempt_at, d.id
                        LIMIT GREATEST(:perEndpoint - COALESCE(b.n, 0), 0)
                       ) d
                 WHERE e.enabled
            ), ranked AS (
                SELECT o.id, o.next_attempt_at,
                       row_number() OVER (PARTITION BY o.tenant_id
                                          ORDER BY o.endpoint_turn, o.next_attempt_at, o.id) AS tenant_turn,
                       :perTenant - COALESCE(t.n, 0) AS tenant_room
                  FROM offered o
                  LEFT JOIN tenant_busy t ON t.tenant_id = o.tenant_id
            ), chosen AS (
                SELECT r.id
                  FROM ranked r
                 WHERE r.tenant_turn <= r.tenant_room
                 ORDER BY r.tenant_turn, r.next_attempt_at, r.id
                 LIMIT :limit
            ), claimed AS (
                SELECT d.id
                  FROM webhook_delivery d
                  JOIN chosen c ON c.id = d.id
                 WHERE d.status = 'pending' AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= :now)
                   FOR UPDATE OF d SKIP LOCKED
            )
            UPDATE webhook_delivery d
               SET lease_owner = :owner, lease_expires_at = :leaseUntil, attempts = d.attempts + 1, last_attempt_at = :now
              FROM claimed, webhook_event ev, webhook_endpoint e
             WHERE d.id = claimed.id AND ev.id = d.event_id AND e.id = d.endpoint_id
            RETURNING d.id, d.attempts, ev.id AS event_id, ev.payload, e.id AS endpoint_id, e.url, e.secret_name,
                      e.secret_version
            """;

    private final EntityManager em;

    WebhookDeliveryRepository(EntityManager em) {
        this.em = em;
    }

    public void insertEvent(UUID id, String tenantId, UUID integrationId, WebhookEventType type, Long statusVersion,
            String payload, Instant createdAt) {
        em.createNativeQuery("""
                INSERT INTO webhook_event (id, tenant_id, integration_id, type, status_version, payload, created_at)
                VALUES (:id, :tenant, :integration, :type, :statusVersion, :payload, :created)
                """)
                .setParameter("id", id).setParameter("tenant", tenantId).setParameter("type", type.code())
                .setParameter("payload", payload).setParameter("created", createdAt)
                .unwrap(NativeQuery.class)
                .setParameter("integration", integrationId, StandardBasicTypes.UUID)
                .setParameter("statusVersion", statusVersion, StandardBasicTypes.LONG)
                .executeUpdate();
    }

    /** One pending delivery per enabled endpoint of the tenant subscribed to the event's type. Returns how many. */
    public int fanOut(UUID eventId, String tenantId, UUID integrationId, WebhookEventType type, Instant now, Instant dueAt) {
        return em.createNativeQuery("""
                INSERT INTO webhook_delivery (event_id, endpoint_id, integration_id, status, next_attempt_at, created_at)
                SELECT :event, e.id, :integration, 'pending', :due, :now
                  FROM webhook_endpoint e
                 WHERE e.tenant_id = :tenant AND e.enabled AND :type = ANY (string_to_array(e.events, ','))
                 ORDER BY e.id
                """)
                .setParameter("event", eventId).setParameter("tenant", tenantId).setParameter("type", type.code())
                .setParameter("now", now).setParameter("due", dueAt)
                .unwrap(NativeQuery.class)
                .setParameter("integration", integrationId, StandardBasicTypes.UUID)
                .executeUpdate();
    }

    /** A delivery of {@code eventId} to one endpoint, whatever it subscribed to ({@code webhook.test}). */
    public void insertFor(UUID eventId, UUID endpointId, Instant now, Instant dueAt) {
        em.createNativeQuery("""
                INSERT INTO webhook_delivery (event_id, endpoint_id, status, next_attempt_at, created_at)
                VALUES (:event, :endpoint, 'pending', :due, :now)
                """).setParameter("event", eventId).setParameter("endpoint", endpointId).setParameter("now", now)
                .setParameter("due", dueAt)
                .executeUpdate();
    }

    /**
     * Leases up to {@code limit} due deliveries for {@code owner}, round-robin over tenants, leaving every endpoint at
     * most {@code perEndpoint} and every tenant at most {@code perTenant} deliveries in flight (this claim's
     * included); concurrent callers get disjoint sets.
     */
    @SuppressWarnings("unchecked")
    public List<ClaimedDelivery> claimDue(String owner, Instant now, Instant leaseUntil, int limit, int perEndpoint,
            int perTenant) {
        em.createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(:key), set_config('jit', 'off', true)")
                .setParameter("key", CLAIM_LOCK).getSingleResult();
        List<Object[]> rows = em.createNativeQuery(CLAIM_SQL)
                .setParameter("owner", owner).setParameter("now", now).setParameter("leaseUntil", leaseUntil)
                .setParameter("limit", limit).setParameter("perEndpoint", perEndpoint).setParameter("perTenant", perTenant)
                .getResultList();
        return rows.stream()
                .map(r -> new ClaimedDelivery(((Number) r[0]).longValue(), ((Number) r[1]).intValue(), (UUID) r[2],
                        (String) r[3], (UUID) r[4], (String) r[5], (String) r[6], ((Number) r[7]).intValue()))
                .sorted((a, b) -> Long.compare(a.id(), b.id()))
                .toList();
    }

    /** The receiver answered 2xx. False if the lease was lost (another replica took the delivery over). */
    public boolean markSucceeded(long id, String owner, int responseStatus, Instant now) {
        return settle(id, owner, "succeeded", now, responseStatus, null, now);
    }

    /** The attempt failed; the next one is due at {@code nextAttemptAt}. */
    public boolean scheduleRetry(long id, String owner, Integer responseStatus, String error, Instant nextAttemptAt) {
        return settle(id, owner, "pending", nextAttemptAt, responseStatus, error, null);
    }

    /** No more attempts: the schedule is used up or the endpoint is gone. Listed and replayable. */
    public boolean markDead(long id, String owner, Integer responseStatus, String error, Instant now) {
        return settle(id, owner, "dead", now, responseStatus, error, now);
    }

    private boolean settle(long id, String owner, String status, Instant nextAttemptAt, Integer responseStatus,
            String error, Instant finishedAt) {
        return em.createNativeQuery("""
                UPDATE webhook_delivery
                   SET status = :status, next_attempt_at = :next, last_response_status = :responseStatus,
                       last_error = :error, finished_at = :finished, lease_owner = NULL, lease_expires_at = NULL
                 WHERE id = :id AND status = 'pending' AND lease_owner = :owner
                """)
                .setParameter("id", id).setParameter("owner", owner).setParameter("status", status)
                .setParameter("next", nextAttemptAt)
                .unwrap(NativeQuery.class)
                .setParameter("responseStatus", responseStatus, StandardBasicTypes.INTEGER)
                .setParameter("error", error, StandardBasicTypes.STRING)
                .setParameter("finished", finishedAt, StandardBasicTypes.INSTANT)
                .executeUpdate() == 1;
    }

    /** The endpoint was disabled: what it still had pending goes dead, listed and replayable. Returns how many. */
    public int killPending(UUID endpointId, String error, Instant now) {
        return em.createNativeQuery("""
                UPDATE webhook_delivery
                   SET status = 'dead', last_error = :error, finished_at = :now, lease_owner = NULL, lease_expires_at = NULL
                 WHERE endpoint_id = :endpoint AND status = 'pending'
                """).setParameter("endpoint", endpointId).setParameter("error", error).setParameter("now", now)
                .executeUpdate();
    }

    /** A dead delivery back to pending, due now, with a fresh schedule. False unless it was dead. */
    public boolean replay(long id, Instant now) {
        return em.createNativeQuery("""
                UPDATE webhook_delivery
                   SET status = 'pending', attempts = 0, next_attempt_at = :now, finished_at = NULL
                 WHERE id = :id AND status = 'dead'
                """).setParameter("id", id).setParameter("now", now).executeUpdate() == 1;
    }

    @SuppressWarnings("unchecked")
    public List<DeliveryRow> listForEndpoint(UUID endpointId, Optional<DeliveryStatus> status, int limit) {
        Query q = em.createNativeQuery(select("d.endpoint_id = :endpoint"
                + status.map(s -> " AND d.status = :status").orElse("")) + " ORDER BY d.id DESC LIMIT :limit")
                .setParameter("endpoint", endpointId).setParameter("limit", limit);
        status.ifPresent(s -> q.setParameter("status", s.code()));
        return ((List<Object[]>) q.getResultList()).stream().map(WebhookDeliveryRepository::row).toList();
    }

    /** A delivery, only if it goes to one of {@code tenantId}'s endpoints. */
    @SuppressWarnings("unchecked")
    public Optional<DeliveryRow> findForTenant(String tenantId, long id) {
        List<Object[]> rows = em.createNativeQuery(select("d.id = :id AND e.tenant_id = :tenant"))
                .setParameter("id", id).setParameter("tenant", tenantId).getResultList();
        return rows.stream().findFirst().map(WebhookDeliveryRepository::row);
    }

    /** How long the oldest pending delivery has waited; zero when none is pending. */
    public Duration oldestPendingAge(Instant now) {
        Object oldest = em.createNativeQuery("SELECT min(created_at) FROM webhook_delivery WHERE status = 'pending'")
                .getSingleResult();
        return oldest == null ? Duration.ZERO : Duration.between(Timestamps.toInstant(oldest), now);
    }

    public long countDead() {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM webhook_delivery WHERE status = 'dead'")
                .getSingleResult()).longValue();
    }

    /**
     * Deletes up to {@code batch} deliveries delivered or given up before {@code cutoff}. A pending delivery is never
     * one (the outbox still owes it); a delivery being replayed right now is locked and skipped.
     */
    int deleteSettledBefore(Instant cutoff, int batch) {
        return em.createNativeQuery("""
                DELETE FROM webhook_delivery WHERE id IN (
                    SELECT id FROM webhook_delivery WHERE status <> 'pending' AND finished_at < :cutoff
                     ORDER BY finished_at LIMIT :batch FOR UPDATE SKIP LOCKED)
                   AND status <> 'pending'
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }

    /** When the oldest delivery still kept though delivered or given up was settled. */
    Optional<Instant> oldestSettled() {
        return Optional.ofNullable(Timestamps.toInstant(em.createNativeQuery(
                "SELECT min(finished_at) FROM webhook_delivery WHERE status <> 'pending'").getSingleResult()));
    }

    /**
     * Deletes up to {@code batch} events created before {@code cutoff} that have no delivery left: every delivery of
     * theirs was settled and purged (a pending one keeps its event), or none was ever due.
     */
    int deleteEventsBefore(Instant cutoff, int batch) {
        return em.createNativeQuery("""
                DELETE FROM webhook_event WHERE id IN (
                    SELECT e.id FROM webhook_event e
                     WHERE e.created_at < :cutoff
                       AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.event_id = e.id)
                     ORDER BY e.created_at LIMIT :batch FOR UPDATE SKIP LOCKED)
                   AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.event_id = webhook_event.id)
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }

    /** When the oldest event with no delivery left was created. */
    @SuppressWarnings("unchecked")
    Optional<Instant> oldestEventWithoutDeliveries() {
        List<Object> at = em.createNativeQuery("""
                SELECT e.created_at FROM webhook_event e
                 WHERE NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.event_id = e.id)
                 ORDER BY e.created_at LIMIT 1
                """).getResultList();
        return at.stream().findFirst().map(Timestamps::toInstant);
    }

    private static String select(String where) {
        return """
                SELECT d.id, d.event_id, ev.type, d.endpoint_id, d.integration_id, d.status, d.attempts, d.next_attempt_at,
                       d.last_attempt_at, d.last_response_status, d.last_error, d.created_at, d.finished_at
                  FROM webhook_delivery d
                  JOIN webhook_event ev ON ev.id = d.event_id
                  JOIN webhook_endpoint e ON e.id = d.endpoint_id
                 WHERE\s""" + where;
    }

    private static DeliveryRow row(Object[] r) {
        return new DeliveryRow(((Number) r[0]).longValue(), (UUID) r[1], (String) r[2], (UUID) r[3], (UUID) r[4],
                (String) r[5], ((Number) r[6]).intValue(), Timestamps.toInstant(r[7]), Timestamps.toInstant(r[8]),
                r[9] == null ? null : ((Number) r[9]).intValue(), (String) r[10], Timestamps.toInstant(r[11]), Timestamps.toInstant(r[12]));
    }
}
