package dev.oauthrefresher.tokenstore.sweep;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;

/**
 * The {@code orphan_sweep} table: which replica sweeps which vault now, held until a time of the database's clock, and
 * when that vault's last sweep started. Callers own the transaction.
 */
@ApplicationScoped
class SweepHoldRepository {

    private final EntityManager em;

    SweepHoldRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * Takes the vault's sweep for {@code owner}, held for {@code holdFor}: true unless another sweep holds it or one
     * started within {@code gap}. Two replicas at once: the second waits for the first's commit and finds its row.
     */
    boolean begin(String vault, String owner, Duration holdFor, Duration gap) {
        return em.createNativeQuery("""
                INSERT INTO orphan_sweep (vault, owner, started_at, held_until)
                VALUES (:vault, :owner, now(), now() + make_interval(secs => :hold))
                ON CONFLICT (vault) DO UPDATE
                    SET owner = EXCLUDED.owner, started_at = EXCLUDED.started_at, held_until = EXCLUDED.held_until
                    WHERE orphan_sweep.held_until < now()
                      AND orphan_sweep.started_at < now() - make_interval(secs => :gap)
                """).setParameter("vault", vault).setParameter("owner", owner)
                .setParameter("hold", seconds(holdFor)).setParameter("gap", seconds(gap)).executeUpdate() == 1;
    }

    /** Holds the sweep for {@code holdFor} more; false if another replica took it over (it lapsed meanwhile). */
    boolean renew(String vault, String owner, Duration holdFor) {
        return em.createNativeQuery("""
                UPDATE orphan_sweep SET held_until = now() + make_interval(secs => :hold)
                WHERE vault = :vault AND owner = :owner
                """).setParameter("vault", vault).setParameter("owner", owner)
                .setParameter("hold", seconds(holdFor)).executeUpdate() == 1;
    }

    /** The sweep ended: the hold is given up, the start time stays to space the next sweep. */
    void end(String vault, String owner) {
        em.createNativeQuery("UPDATE orphan_sweep SET held_until = now() WHERE vault = :vault AND owner = :owner")
                .setParameter("vault", vault).setParameter("owner", owner).executeUpdate();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
