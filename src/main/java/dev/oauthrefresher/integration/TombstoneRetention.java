package dev.oauthrefresher.integration;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The disconnect tombstones' retention ({@code refresher.retention.tombstones}). A tombstone exists only so that a
 * tenant repeating a disconnect (a client retrying after a timeout) is answered 204, not 404; nothing else reads it
 * (a queued revocation has its own row). Kept at least a day, beyond any client's retries.
 */
@ApplicationScoped
class TombstoneRetention implements RetainedTable.Batched {

    private final IntegrationRepository integrations;

    TombstoneRetention(IntegrationRepository integrations) {
        this.integrations = integrations;
    }

    @Override
    public RetentionFamily family() {
        return RetentionFamily.TOMBSTONES;
    }

    @Override
    public String table() {
        return "disconnected_integration";
    }

    @Override
    public Optional<Instant> oldest() {
        return integrations.oldestTombstone();
    }

    @Override
    public Duration minimumRetention() {
        return Duration.ofDays(1);
    }

    @Override
    public int purge(Instant cutoff, int batch) {
        return integrations.deleteTombstonesBefore(cutoff, batch);
    }
}
