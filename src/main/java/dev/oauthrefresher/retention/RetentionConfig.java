package dev.oauthrefresher.retention;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;

/**
 * How long each kind of row is kept, and how the one purge job ({@link RetentionJob}) runs. A setting below what the
 * table's owner needs for its own purpose (a replay window, the live replicas' heartbeats) fails startup naming the
 * key; rows still needed for another reason (a webhook delivery not yet delivered or given up) are never purged, however
 * old.
 */
@ConfigMapping(prefix = "refresher.retention")
public interface RetentionConfig {

    /**
     * How often each replica tries to run the purge; one replica at a time does (a PostgreSQL advisory lock), the others
     * find it taken and only read their gauges. The first pass is one period after startup. Key
     * {@code refresher.retention.period}, default {@code 10m}: the used QStash signatures' old schedule, frequent enough
     * that a pass has little to do, rare enough that idle passes cost nothing noticeable.
     */
    @WithDefault("10m")
    Duration period();

    /**
     * Rows one purge transaction deletes at most, so no transaction holds its locks or its snapshot long; a pass runs
     * batches until a table has nothing older left. Key {@code refresher.retention.batch-size}, default {@code 5000}: the
     * refresh attempts' old batch, tens of milliseconds per batch (docs/RETENTION.md).
     */
    @WithDefault("5000")
    @Min(1)
    @Max(100000)
    int batchSize();

    /**
     * {@code audit_event}: who did what, token reads included. Dropped a whole day's partition at a time, once the newest
     * row it could hold is older than this. Key {@code refresher.retention.audit}, default {@code 90d}: a quarter
     * covers the usual incident look-back and the access reviews done each quarter; at least {@code 1d} (a partition).
     */
    @WithDefault("90d")
    Duration audit();

    /**
     * Days of {@code audit_event} partitions created ahead of today, so a stretch without any purge pass (every replica
     * down, a long outage of the job) still writes into partitions; a row whose day has none lands in the default
     * partition and is moved when its day's partition is created. Key {@code refresher.retention.audit-days-ahead},
     * default {@code 7}.
     */
    @WithDefault("7")
    @Min(1)
    @Max(60)
    int auditDaysAhead();

    /**
     * {@code webhook_event} and {@code webhook_delivery}: a delivery delivered or given up ({@code succeeded},
     * {@code dead}) and older than this is deleted, then an event with no delivery left. A pending delivery, and its
     * event, are kept however old: the outbox still has to send it. Key {@code refresher.retention.webhooks}, default
     * {@code 30d}: a dead delivery stays listed and replayable for a month.
     */
    @WithDefault("30d")
    Duration webhooks();

    /**
     * {@code trigger_run}: finished runs (and runs left {@code running} by a crash) older than this. Key
     * {@code refresher.retention.trigger-runs}, default {@code 30d}; at least {@code 7d}, because a QStash message
     * retried after its run's row is gone would run again.
     */
    @WithDefault("30d")
    Duration triggerRuns();

    /**
     * {@code refresh_attempt}: one row per refresh attempt, read by operators investigating an integration. Key
     * {@code refresher.retention.refresh-attempts}, default {@code 30d}: what {@code refresher.refresh.attempt-retention}
     * kept before this setting replaced it.
     */
    @WithDefault("30d")
    Duration refreshAttempts();

    /**
     * {@code disconnected_integration}: the tombstone that lets a repeated disconnect of the same integration by its
     * tenant answer 204 instead of 404. Past this a repeat is a 404, as for any unknown id. Key
     * {@code refresher.retention.tombstones}, default {@code 30d}: far beyond any client's retries of a disconnect; at
     * least {@code 1d}.
     */
    @WithDefault("30d")
    Duration tombstones();

    /**
     * {@code used_signature}: how long after its token's expiry an accepted QStash signature id is remembered. At least
     * the verifier's {@code refresher.cron.qstash.clock-leeway} plus five minutes for replicas' clocks (checked at
     * startup): a forgotten id must be one no replica would accept any more. Key
     * {@code refresher.retention.used-signatures}, default {@code 10m}: the longest leeway allowed (5m) plus that margin.
     */
    @WithDefault("10m")
    Duration usedSignatures();

    /**
     * {@code replica_heartbeat}: rows of replicas that vanished without deleting theirs (a crash, {@code kill -9}). At
     * least {@code heartbeat-interval × heartbeat-live-intervals} (checked at startup), or live replicas would stop being
     * counted. Key {@code refresher.retention.heartbeats}, default {@code 1h}: what
     * {@code refresher.token-store.key-vault.heartbeat-retention} kept before this setting replaced it.
     */
    @WithDefault("1h")
    Duration heartbeats();

    /**
     * {@code connect_session}: hosted-consent sessions, counted from their expiry (a session ends by its lifetime at the
     * latest, so an expired row is one nobody can use any more); kept that long for an operator's questions about a
     * user's failed connect. Key {@code refresher.retention.connect-sessions}, default {@code 1d}.
     */
    @WithDefault("1d")
    Duration connectSessions();
}
