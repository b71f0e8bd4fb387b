package dev.oauthrefresher.cron;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;

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

    int deleteExpiredBefore(Instant cutoff) {
        return em.createNativeQuery("DELETE FROM used_signature WHERE expires_at < :cutoff")
                .setParameter("cutoff", cutoff).executeUpdate();
    }
}
