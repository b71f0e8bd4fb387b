package dev.oauthrefresher.cron;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code trigger_run}'s retention ({@code refresher.retention.trigger-runs}). A run's row is also what makes a QStash
 * message's retry answer with the first run instead of running again, so rows are kept at least a week: QStash's
 * backoff between retries of one message grows to a day, and a retry days later must still find its run.
 */
@ApplicationScoped
class TriggerRunRetention implements RetainedTable.Batched {

    private final TriggerRunRepository runs;

    TriggerRunRetention(TriggerRunRepository runs) {
        this.runs = runs;
    }

    @Override
    public RetentionFamily family() {
        return RetentionFamily.TRIGGER_RUNS;
    }

    @Override
    public String table() {
        return "trigger_run";
    }

    @Override
    public Optional<Instant> oldest() {
        return runs.oldestEnd();
    }

    @Override
    public Duration minimumRetention() {
        return Duration.ofDays(7);
    }

    @Override
    public int purge(Instant cutoff, int batch) {
        return runs.deleteEndedBefore(cutoff, batch);
    }
}
