package dev.oauthrefresher.webhook;

import dev.oauthrefresher.common.Timestamps;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Webhook endpoints. Every change of state is a guarded update; callers own the transaction. */
@ApplicationScoped
public class WebhookEndpointRepository implements PanacheRepositoryBase<WebhookEndpoint, UUID> {

    public List<WebhookEndpoint> listByTenant(String tenantId) {
        return find("tenantId = ?1 order by createdAt, id", tenantId).list();
    }

    public Optional<WebhookEndpoint> findForTenant(String tenantId, UUID id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id).firstResultOptional();
    }

    public long countByTenant(String tenantId) {
        return count("tenantId", tenantId);
    }

    /**
     * Takes one of the endpoint's {@code limit} manual sends ({@code test}, {@code replay}) in the window that began
     * at {@code manual_sends_since}; a window older than {@code window} is over and a new one begins now. Empty if one
     * was taken; otherwise how long until the current window ends.
     */
    public Optional<Duration> takeManualSend(UUID id, Instant now, int limit, Duration window) {
        Instant windowStart = now.minus(window);
        int taken = getEntityManager().createNativeQuery("""
                UPDATE webhook_endpoint
                   SET manual_sends = CASE WHEN manual_sends_since IS NULL OR manual_sends_since <= :windowStart
                                           THEN 1 ELSE manual_sends + 1 END,
                       manual_sends_since = CASE WHEN manual_sends_since IS NULL OR manual_sends_since <= :windowStart
                                                 THEN :now ELSE manual_sends_since END
                 WHERE id = :id
                   AND (manual_sends_since IS NULL OR manual_sends_since <= :windowStart OR manual_sends < :limit)
                """).setParameter("id", id).setParameter("now", now).setParameter("windowStart", windowStart)
                .setParameter("limit", limit).executeUpdate();
        if (taken == 1) {
            return Optional.empty();
        }
        Object since = getEntityManager().createNativeQuery("SELECT manual_sends_since FROM webhook_endpoint WHERE id = :id")
                .setParameter("id", id).getSingleResult();
        Duration left = Duration.between(now, Timestamps.toInstant(since).plus(window));
        return Optional.of(left.isNegative() ? Duration.ZERO : left);
    }

    /** A new secret was stored: replicas holding the old one in cache see the version change and reload. */
    public boolean secretRotated(UUID id, Instant now) {
        return getEntityManager().createNativeQuery("""
                UPDATE webhook_endpoint SET secret_version = secret_version + 1, updated_at = :now WHERE id = :id
                """).setParameter("id", id).setParameter("now", now).executeUpdate() == 1;
    }

    /** The receiver took a delivery: the endpoint is no longer failing. */
    public void recordSuccess(UUID id) {
        getEntityManager().createNativeQuery("""
                UPDATE webhook_endpoint SET failing_since = NULL WHERE id = :id AND failing_since IS NOT NULL
                """).setParameter("id", id).executeUpdate();
    }

    /**
     * The receiver failed an attempt. True if that made the endpoint disabled: it has been failing without a
     * success since {@code disableIfFailingSince} or earlier.
     */
    public boolean recordFailure(UUID id, Instant now, Instant disableIfFailingSince) {
        @SuppressWarnings("unchecked")
        List<Boolean> enabled = getEntityManager().createNativeQuery("""
                UPDATE webhook_endpoint
                   SET failing_since = COALESCE(failing_since, :now),
                       enabled = COALESCE(failing_since, :now) > :cutoff,
                       disabled_reason = CASE WHEN COALESCE(failing_since, :now) > :cutoff THEN NULL ELSE 'failing' END,
                       updated_at = :now
                 WHERE id = :id AND enabled
                RETURNING enabled
                """).setParameter("id", id).setParameter("now", now).setParameter("cutoff", disableIfFailingSince)
                .getResultList();
        return enabled.stream().findFirst().map(stillEnabled -> !stillEnabled).orElse(false);
    }

    /** Stops deliveries to an endpoint ({@code gone}: the receiver answered 410). True if it was enabled. */
    public boolean disable(UUID id, String reason, Instant now) {
        return getEntityManager().createNativeQuery("""
                UPDATE webhook_endpoint SET enabled = false, disabled_reason = :reason, updated_at = :now
                 WHERE id = :id AND enabled
                """).setParameter("id", id).setParameter("reason", reason).setParameter("now", now).executeUpdate() == 1;
    }
}
