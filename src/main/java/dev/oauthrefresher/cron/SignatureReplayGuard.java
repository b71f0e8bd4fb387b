package dev.oauthrefresher.cron;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;

/**
 * Accepts each QStash signature once. The official SDKs do not stop a captured request from being replayed
 * until its token expires; this remembers every accepted {@code jti} until then, in the database, so every
 * replica refuses the second use. "Until then" is the expiry plus the clock leeway the verifier grants, plus a
 * margin for replicas whose clocks disagree: a signature is forgotten only once no replica would accept it.
 */
@ApplicationScoped
public class SignatureReplayGuard {

    /** Beyond expiry and leeway: replicas' clocks may differ from the one that purges. */
    static final Duration PURGE_MARGIN = Duration.ofMinutes(5);

    private final EntityManager em;
    private final CronConfig config;

    SignatureReplayGuard(EntityManager em, CronConfig config) {
        this.em = em;
        this.config = config;
    }

    /** True the first time a signature id is seen; false for a replay. */
    public boolean firstUse(QStashVerifier.Verified signature) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                INSERT INTO used_signature (jti, expires_at) VALUES (:jti, :exp) ON CONFLICT (jti) DO NOTHING
                """).setParameter("jti", signature.jti()).setParameter("exp", signature.expiresAt()).executeUpdate() == 1);
    }

    /** Ids past their token's expiry, leeway and margin can no longer be replayed: forget them. */
    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeExpired() {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "DELETE FROM used_signature WHERE expires_at < :cutoff").setParameter("cutoff", purgeCutoff(Instant.now()))
                .executeUpdate());
    }

    /** Signatures that expired before this instant are forgotten. */
    Instant purgeCutoff(Instant now) {
        return now.minus(config.qstash().clockLeeway()).minus(PURGE_MARGIN);
    }
}
