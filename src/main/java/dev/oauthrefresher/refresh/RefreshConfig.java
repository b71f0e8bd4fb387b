package dev.oauthrefresher.refresh;

import dev.oauthrefresher.refresh.attempt.Backoff;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** How, when and how hard integrations are refreshed. Validated at startup. */
@ConfigMapping(prefix = "refresher.refresh")
public interface RefreshConfig {

    /**
     * Refresh an access token this long before it expires. Key {@code refresher.refresh.lead-time}, default
     * {@code 15m}. Must exceed the trigger interval plus one run budget, or tokens can lapse between runs.
     */
    @WithDefault("15m")
    Duration leadTime();

    /**
     * Refresh anything not refreshed for this long even if its access token is long-lived, so idle grants
     * are not revoked for inactivity. Key {@code refresher.refresh.keep-alive-age}, default {@code 7d}.
     */
    @WithDefault("7d")
    Duration keepAliveAge();

    /** Rows claimed per database round trip. Key {@code refresher.refresh.batch-size}, default {@code 500}. */
    @WithDefault("500")
    @Min(1)
    @Max(10000)
    int batchSize();

    /** Refreshes in flight at once, all tenants together. Key {@code refresher.refresh.concurrency}, default {@code 64}. */
    @WithDefault("64")
    @Min(1)
    @Max(2048)
    int concurrency();

    /**
     * Refreshes in flight at once for one tenant while other tenants have work waiting, unless the tenant sets
     * its own (hard) cap; a tenant with nobody else waiting may use every free slot (see {@code TenantQueue}).
     * Key {@code refresher.refresh.per-tenant-concurrency}, default {@code 8}.
     */
    @WithDefault("8")
    @Min(1)
    int perTenantConcurrency();

    /**
     * Token-endpoint calls per second per provider type, across groups; 0 means unlimited. Key
     * {@code refresher.refresh.provider-rate-limit}, default {@code 0}.
     */
    @WithDefault("0")
    @Min(0)
    int providerRateLimit();

    /**
     * How much work a run holds per Key Vault: it claims no more rows of a vault while its claimed, unfinished rows
     * would take longer than this to pass the vault's request budget for this replica (two requests per refresh);
     * the rest stay unclaimed for the next claim, run or replica. Key {@code refresher.refresh.vault-backlog-horizon},
     * default {@code 10s}.
     */
    @WithDefault("10s")
    Duration vaultBacklogHorizon();

    /**
     * How long a run may take new work; what it does not reach stays due for the next run. Key
     * {@code refresher.refresh.run-budget}, default {@code 4m}.
     */
    @WithDefault("4m")
    Duration runBudget();

    /** Backoff after transient failures. */
    Backoff backoff();

    /** When repeated transient failures move an integration to {@code error}. */
    ErrorThreshold errorThreshold();

    /** When a failing provider stops being called for the rest of a run. */
    ProviderCircuit providerCircuit();

    /**
     * Ignored since {@code refresher.retention.refresh-attempts} replaced it (a warning at startup says so); still
     * declared so that a configuration that sets it keeps starting for one release. Key
     * {@code refresher.refresh.attempt-retention}, no default.
     */
    Optional<Duration> attemptRetention();

    /**
     * Ignored since {@code refresher.retention.batch-size} replaced it (a warning at startup says so); still declared
     * for one release. Key {@code refresher.refresh.attempt-purge-batch}, no default.
     */
    OptionalInt attemptPurgeBatch();

    /**
     * Interval at which the external trigger is expected to call: warns at startup about a lead time too short to
     * survive one missed run, and is exported as a gauge for the no-completed-run alert. Key
     * {@code refresher.refresh.expected-trigger-interval}, default {@code 5m}.
     */
    @WithDefault("5m")
    Duration expectedTriggerInterval();

    /**
     * How often rotated refresh tokens the token store has not yet accepted are retried. Key
     * {@code refresher.refresh.pending-retry-interval}, default {@code 10s}.
     */
    @WithDefault("10s")
    Duration pendingRetryInterval();

    /**
     * Abandoned pending rotations (their holder died or shut down) one takeover round leases at once; the rest wait for
     * the next round, one {@code pending-retry-interval} later. Key {@code refresher.refresh.pending-takeover-batch},
     * default {@code 50}.
     */
    @WithDefault("50")
    @Min(1)
    int pendingTakeoverBatch();

    /**
     * Longest a graceful shutdown (SIGTERM) waits for refreshes already sent to a provider to finish and be
     * recorded; unstarted rows are released at once. The pod's {@code terminationGracePeriodSeconds} must exceed
     * it. Key {@code refresher.refresh.shutdown-grace}, default {@code 30s}.
     */
    @WithDefault("30s")
    Duration shutdownGrace();

    /**
     * How long {@code POST /admin/tenants/{id}/integrations/{iid}/refresh} waits for the outcome; past it the
     * answer is 202 with the attempt's id, and the refresh goes on to its end. Key
     * {@code refresher.refresh.manual-refresh-wait}, default {@code 30s}.
     */
    @WithDefault("30s")
    Duration manualRefreshWait();

    /**
     * How often the integration status and overdue gauges are read from the database. Key
     * {@code refresher.refresh.gauge-interval}, default {@code 30s}.
     */
    @WithDefault("30s")
    Duration gaugeInterval();

    /**
     * How long the first outcome into an idle group commit waits for others to share its transaction (outcomes that
     * queue behind a running commit never wait): with providers answering in about 100 ms a run's outcomes arrive a few
     * per millisecond, and a commit, a worker's wake-up and two statements each cost more service CPU than the rest of
     * the refresh (BENCHMARKS.md). An on-demand refresh's answer waits this much longer; {@code 0} writes each at once.
     * Key {@code refresher.refresh.outcome-linger}, default {@code 5ms}.
     */
    @WithDefault("5ms")
    Duration outcomeLinger();

    interface Backoff {
        /** First retry delay. Key {@code refresher.refresh.backoff.initial}, default {@code 1m}. */
        @WithDefault("1m")
        Duration initial();

        /** Longest retry delay. Key {@code refresher.refresh.backoff.max}, default {@code 1h}. */
        @WithDefault("1h")
        Duration max();

        /** Growth per failure. Key {@code refresher.refresh.backoff.multiplier}, default {@code 2.0}. */
        @WithDefault("2.0")
        @DecimalMin("1.0")
        double multiplier();

        /** Random spread, as a fraction of the delay. Key {@code refresher.refresh.backoff.jitter}, default {@code 0.2}. */
        @WithDefault("0.2")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double jitter();

        /**
         * A retry that would come later than this before the access token expires is brought forward to it, so that
         * one more refresh still completes before the token lapses (unless that is sooner than half the initial delay).
         * Key {@code refresher.refresh.backoff.before-expiry-margin}, default {@code 1m}.
         */
        @WithDefault("1m")
        Duration beforeExpiryMargin();
    }

    interface ErrorThreshold {
        /** Consecutive failures. Key {@code refresher.refresh.error-threshold.failures}, default {@code 5}. */
        @WithDefault("5")
        @Min(1)
        int failures();

        /** Minimum span from the first of them. Key {@code refresher.refresh.error-threshold.span}, default {@code 6h}. */
        @WithDefault("6h")
        Duration span();
    }

    interface ProviderCircuit {
        /**
         * Share of failed calls that opens a provider's circuit for the rest of the run. Key
         * {@code refresher.refresh.provider-circuit.failure-ratio}, default {@code 0.5}.
         */
        @WithDefault("0.5")
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        double failureRatio();

        /**
         * Calls a provider must have had in the run before its ratio counts. Key
         * {@code refresher.refresh.provider-circuit.minimum-calls}, default {@code 20}.
         */
        @WithDefault("20")
        @Min(1)
        int minimumCalls();
    }
}
