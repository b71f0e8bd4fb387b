package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code replica_heartbeat} table: which replicas are alive, by the database's clock (so replicas whose clocks
 * disagree still agree on who is live). Callers own the transaction.
 */
@ApplicationScoped
class ReplicaHeartbeatRepository {

    private final EntityManager em;

    ReplicaHeartbeatRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * Records that {@code replicaId} is alive now and returns how many replicas (this one included) were seen within
     * {@code liveWithin}. Rows of vanished replicas are the retention job's ({@link HeartbeatRetention}).
     */
    int beat(String replicaId, Duration liveWithin) {
        em.createNativeQuery("""
                INSERT INTO replica_heartbeat (replica_id, seen_at) VALUES (:id, now())
                ON CONFLICT (replica_id) DO UPDATE SET seen_at = now()
                """).setParameter("id", replicaId).executeUpdate();
        return ((Number) em.createNativeQuery(
                "SELECT count(*) FROM replica_heartbeat WHERE seen_at >= now() - make_interval(secs => :live)")
                .setParameter("live", seconds(liveWithin)).getSingleResult()).intValue();
    }

    /** This replica stops: the others count without it at their next heartbeat. */
    void leave(String replicaId) {
        em.createNativeQuery("DELETE FROM replica_heartbeat WHERE replica_id = :id")
                .setParameter("id", replicaId).executeUpdate();
    }

    /** Deletes up to {@code batch} rows last seen before {@code cutoff}; returns how many. */
    int deleteUnseenSince(Instant cutoff, int batch) {
        return em.createNativeQuery("""
                DELETE FROM replica_heartbeat WHERE replica_id IN (
                    SELECT replica_id FROM replica_heartbeat WHERE seen_at < :cutoff LIMIT :batch)
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }

    /** When the replica seen longest ago was last seen. */
    Optional<Instant> oldestSeen() {
        return Optional.ofNullable(Timestamps.toInstant(
                em.createNativeQuery("SELECT min(seen_at) FROM replica_heartbeat").getSingleResult()));
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
