package dev.oauthrefresher.cron;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.Optional;

/** The {@code used_signature} table: QStash signature ids already accepted. Callers own the transaction. */
@ApplicationScoped
class UsedSignatureRepository {

    private final EntityManager em;

    UsedSignatureRepository(EntityManager em) {
        this.em = em;
    }

    /** Remembers {@code jti} until {@code expiresAt}; false if it was remembered already. */
    boolean insertIfAbsent(String jti, Instant expiresAt) {
        return em.createNativeQuery("""
                INSERT INTO used_signature (jti, expires_at) VALUES (:jti, :exp) ON CONFLICT (jti) DO NOTHING
                """).setParameter("jti", jti).setParameter("exp", expiresAt).executeUpdate() == 1;
    }

    /** Forgets up to {@code batch} ids whose token expired before {@code cutoff}; returns how many. */
    int deleteExpiredBefore(Instant cutoff, int batch) {
        return em.createNativeQuery("""
                DELETE FROM used_signature WHERE jti IN (
                    SELECT jti FROM used_signature WHERE expires_at < :cutoff ORDER BY expires_at LIMIT :batch)
                """).setParameter("cutoff", cutoff).setParameter("batch", batch).executeUpdate();
    }

    /** The earliest expiry of a remembered id. */
    Optional<Instant> oldestExpiry() {
        return Optional.ofNullable(Timestamps.toInstant(
                em.createNativeQuery("SELECT min(expires_at) FROM used_signature").getSingleResult()));
    }
}
