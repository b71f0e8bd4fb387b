package dev.oauthrefresher.refresh;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import org.jboss.logging.Logger;

/** Deletes {@code refresh_attempt} rows older than the retention, in small batches to keep locks short. */
@ApplicationScoped
class AttemptRetention {

    private static final Logger LOG = Logger.getLogger(AttemptRetention.class);
    private static final int BATCH = 5000;

    private final EntityManager em;
    private final RefreshConfig config;

    AttemptRetention(EntityManager em, RefreshConfig config) {
        this.em = em;
        this.config = config;
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purge() {
        Instant cutoff = Instant.now().minus(config.attemptRetention());
        long total = 0;
        int deleted;
        do {
            deleted = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                    DELETE FROM refresh_attempt WHERE id IN (
                        SELECT id FROM refresh_attempt WHERE started_at < :cutoff LIMIT :batch)
                    """).setParameter("cutoff", cutoff).setParameter("batch", BATCH).executeUpdate());
            total += deleted;
        } while (deleted == BATCH);
        if (total > 0) {
            LOG.infof("Deleted %d refresh attempts older than %s", total, config.attemptRetention());
        }
    }
}
