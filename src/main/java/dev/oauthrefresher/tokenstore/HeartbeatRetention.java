package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code replica_heartbeat}'s retention ({@code refresher.retention.heartbeats}): rows of replicas that vanished
 * without deleting theirs. Never shorter than the live window, or a live replica's row could go and the others would
 * stop counting it and raise their rates past the vault's budget.
 */
@ApplicationScoped
class HeartbeatRetention implements RetainedTable.Batched {

    private final ReplicaHeartbeatRepository heartbeats;
    private final TokenStoreConfig config;

    HeartbeatRetention(ReplicaHeartbeatRepository heartbeats, TokenStoreConfig config) {
        this.heartbeats = heartbeats;
        this.config = config;
    }

    @Override
    public RetentionFamily family() {
        return RetentionFamily.HEARTBEATS;
    }

    @Override
    public String table() {
        return "replica_heartbeat";
    }

    @Override
    public Optional<Instant> oldest() {
        return heartbeats.oldestSeen();
    }

    /** {@code heartbeat-interval × heartbeat-live-intervals}: a replica seen within it is live. */
    @Override
    public Duration minimumRetention() {
        return config.keyVault().heartbeatInterval().multipliedBy(config.keyVault().heartbeatLiveIntervals());
    }

    @Override
    public int purge(Instant cutoff, int batch) {
        return heartbeats.deleteUnseenSince(cutoff, batch);
    }
}
