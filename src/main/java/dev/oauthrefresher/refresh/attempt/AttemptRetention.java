package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.refresh.RefreshConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/** Deletes {@code refresh_attempt} rows older than the retention, in small batches to keep locks short. */
@ApplicationScoped
class AttemptRetention {

    private static final Logger LOG = Logger.getLogger(AttemptRetention.class);

    private final AttemptRepository attempts;
    private final RefreshConfig config;

    AttemptRetention(AttemptRepository attempts, RefreshConfig config) {
        this.attempts = attempts;
        this.config = config;
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purge() {
        Instant cutoff = Instant.now().minus(config.attemptRetention());
        int batch = config.attemptPurgeBatch();
        long total = 0;
        int deleted;
        do {
            deleted = QuarkusTransaction.requiringNew().call(() -> attempts.deleteOlderThan(cutoff, batch));
            total += deleted;
        } while (deleted == batch);
        if (total > 0) {
            LOG.infof("Deleted %d refresh attempts older than %s", total, config.attemptRetention());
        }
    }
}
