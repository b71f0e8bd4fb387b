package dev.oauthrefresher.keyring;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.query.NativeQuery;

/** The re-seal job's lock and its recorded progress ({@code keyring_reseal}). Callers own the transaction. */
@ApplicationScoped
class ResealRepository {

    /** The job's transaction-scoped advisory lock: "keyring" in ASCII, apart from every other lock of the service. */
    private static final long LOCK = 0x6B657972696E67L;

    private final EntityManager em;

    ResealRepository(EntityManager em) {
        this.em = em;
    }

    /** Takes the job's lock until this transaction ends; false if another replica's batch holds it now. */
    boolean tryLock() {
        return (Boolean) em.createNativeQuery("SELECT pg_try_advisory_xact_lock(:key)").setParameter("key", LOCK)
                .getSingleResult();
    }

    /** Where the pass towards {@code targetKey} over {@code table} stopped; empty to start at the first row. */
    @SuppressWarnings("unchecked")
    Optional<UUID> after(String table, String targetKey) {
        List<UUID> rows = em.createNativeQuery("SELECT after_id FROM keyring_reseal WHERE table_name = :t AND target_key = :k")
                .setParameter("t", table).setParameter("k", targetKey).getResultList();
        return rows.stream().filter(java.util.Objects::nonNull).findFirst();
    }

    /**
     * Records one batch: where the next batch starts ({@code null}: the pass is complete, the next one starts over) and
     * how many rows it re-sealed and skipped, counted since the target key last changed.
     */
    void save(String table, String targetKey, UUID after, int resealed, int skipped) {
        em.createNativeQuery("""
                INSERT INTO keyring_reseal (table_name, target_key, after_id, resealed, skipped, updated_at)
                VALUES (:t, :k, CAST(:after AS uuid), :resealed, :skipped, now())
                ON CONFLICT (table_name) DO UPDATE
                   SET after_id = EXCLUDED.after_id, updated_at = now(),
                       resealed = CASE WHEN keyring_reseal.target_key = EXCLUDED.target_key
                                       THEN keyring_reseal.resealed + EXCLUDED.resealed ELSE EXCLUDED.resealed END,
                       skipped = CASE WHEN keyring_reseal.target_key = EXCLUDED.target_key
                                      THEN keyring_reseal.skipped + EXCLUDED.skipped ELSE EXCLUDED.skipped END,
                       target_key = EXCLUDED.target_key
                """).unwrap(NativeQuery.class).setParameter("t", table).setParameter("k", targetKey)
                .setParameter("after", after, UUID.class)
                .setParameter("resealed", resealed).setParameter("skipped", skipped).executeUpdate();
    }
}
