package dev.oauthrefresher.tokenstore;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;

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
     * Records that {@code replicaId} is alive now, deletes rows unseen for {@code forgetAfter}, and returns how many
     * replicas (this one included) were seen within {@code liveWithin}.
     */
    int beat(String replicaId, Duration liveWithin, Duration forgetAfter) {
        em.createNativeQuery("""
                INSERT INTO replica_heartbeat (replica_id, seen_at) VALUES (:id, now())
                ON CONFLICT (replica_id) DO UPDATE SET seen_at = now()
                """).setParameter("id", replicaId).executeUpdate();
        em.createNativeQuery("DELETE FROM replica_heartbeat WHERE seen_at < now() - make_interval(secs => :forget)")
                .setParameter("forget", seconds(forgetAfter)).executeUpdate();
        return ((Number) em.createNativeQuery(
                "SELECT count(*) FROM replica_heartbeat WHERE seen_at >= now() - make_interval(secs => :live)")
                .setParameter("live", seconds(liveWithin)).getSingleResult()).intValue();
    }

    /** This replica stops: the others count without it at their next heartbeat. */
    void leave(String replicaId) {
        em.createNativeQuery("DELETE FROM replica_heartbeat WHERE replica_id = :id")
                .setParameter("id", replicaId).executeUpdate();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
