package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/** {@code refresh_attempt}'s retention ({@code refresher.retention.refresh-attempts}): nothing reads old attempts but people. */
@ApplicationScoped
class AttemptRetention implements RetainedTable.Batched {

    private final AttemptRepository attempts;

    AttemptRetention(AttemptRepository attempts) {
        this.attempts = attempts;
    }

    @Override
    public RetentionFamily family() {
        return RetentionFamily.REFRESH_ATTEMPTS;
    }

    @Override
    public String table() {
        return "refresh_attempt";
    }

    @Override
    public Optional<Instant> oldest() {
        return attempts.oldestStart();
    }

    @Override
    public int purge(Instant cutoff, int batch) {
        return attempts.deleteOlderThan(cutoff, batch);
    }
}
