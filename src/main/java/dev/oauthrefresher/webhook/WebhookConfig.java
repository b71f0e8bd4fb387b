package dev.oauthrefresher.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How status webhooks are delivered, retried and guarded. Validated at startup ({@link WebhookConfigCheck}). */
@ConfigMapping(prefix = "refresher.webhooks")
public interface WebhookConfig {

    /**
     * Delay before each attempt, the first included; after the last one fails the delivery is dead. Key
     * {@code refresher.webhooks.retry-schedule}, default {@code 0s,5s,5m,30m,2h,5h,10h,10h}.
     */
    @WithDefault("0s,5s,5m,30m,2h,5h,10h,10h")
    @NotEmpty
    List<Duration> retrySchedule();

    /** Random spread of each retry delay, as a fraction of it. Key {@code refresher.webhooks.retry-jitter}, default {@code 0.1}. */
    @WithDefault("0.1")
    @DecimalMin("0.0")
    @DecimalMax("0.5")
    double retryJitter();

    /**
     * Longest time one attempt may take, from the host name's lookup to the answer's last byte; past it the
     * connection is reset, however steadily the receiver trickles bytes. Key {@code refresher.webhooks.request-timeout},
     * default {@code 15s}.
     */
    @WithDefault("15s")
    Duration requestTimeout();

    /**
     * Longest wait for the DNS answer about a receiver's host name (looked up asynchronously, when an endpoint is
     * created and before every attempt, within the attempt's request timeout, and never longer than it). A host that
     * does not resolve in time is refused like a non-public one. Key {@code refresher.webhooks.dns-timeout}, default
     * {@code 2s}.
     */
    @WithDefault("2s")
    Duration dnsTimeout();

    /** Deliveries in flight at once on this replica. Key {@code refresher.webhooks.concurrency}, default {@code 16}. */
    @WithDefault("16")
    @Min(1)
    @Max(1024)
    int concurrency();

    /**
     * Deliveries to one endpoint in flight at once, all replicas together (counted from the leases in the
     * database). Key {@code refresher.webhooks.per-endpoint-concurrency}, default {@code 2}.
     */
    @WithDefault("2")
    @Min(1)
    int perEndpointConcurrency();

    /**
     * Deliveries of one tenant in flight at once, all its endpoints and all replicas together, so one tenant's slow
     * receivers cannot take every replica's slots. Key {@code refresher.webhooks.per-tenant-concurrency}, default
     * {@code 4}.
     */
    @WithDefault("4")
    @Min(1)
    int perTenantConcurrency();

    /**
     * {@code test} and {@code replay} requests one endpoint may have per {@link #manualSendWindow()}; beyond it the
     * answer is 429 with {@code Retry-After}. Key {@code refresher.webhooks.manual-send-limit}, default {@code 30}.
     */
    @WithDefault("30")
    @Min(1)
    int manualSendLimit();

    /** The window of {@link #manualSendLimit()}. Key {@code refresher.webhooks.manual-send-window}, default {@code 1m}. */
    @WithDefault("1m")
    Duration manualSendWindow();

    /**
     * How often each replica looks for due deliveries (1 s at least: the scheduler's resolution); a status change on
     * this replica, and a retry due sooner than this, wake it at once. Key {@code refresher.webhooks.poll-interval},
     * default {@code 1s}.
     */
    @WithDefault("1s")
    Duration pollInterval();

    /**
     * How long a claimed delivery is held; if the replica dies mid-attempt, another retries it after this. Key
     * {@code refresher.webhooks.lease}, default {@code 1m}. Must exceed the request timeout.
     */
    @WithDefault("1m")
    Duration lease();

    /** An endpoint failing for this long without a success is disabled. Key {@code refresher.webhooks.disable-after}, default {@code 5d}. */
    @WithDefault("5d")
    Duration disableAfter();

    /**
     * After a secret rotation, deliveries are signed with the new and the old secret for this long. Key
     * {@code refresher.webhooks.rotation-overlap}, default {@code 24h}.
     */
    @WithDefault("24h")
    Duration rotationOverlap();

    /**
     * Accept {@code http://} URLs and loopback addresses (dev, tests). Never in production. Key
     * {@code refresher.webhooks.allow-insecure-urls}, default {@code false}.
     */
    @WithDefault("false")
    boolean allowInsecureUrls();

    /**
     * Private networks (CIDR, e.g. {@code 10.20.0.0/16}) receivers may be in although they are not public. Key
     * {@code refresher.webhooks.allowed-networks}, default none.
     */
    Optional<List<String>> allowedNetworks();

    /**
     * How long an endpoint's signing secret, once read from the token store, is kept in this replica's memory. A
     * rotation bumps the endpoint's secret version, which every claim reads, so a stale secret is never used after
     * one; this age is a second guard, and bounds how long a secret lingers in memory. Key
     * {@code refresher.webhooks.secret-cache-age}, default {@code 10m}; {@code 0s} reads the store for every delivery.
     */
    @WithDefault("10m")
    Duration secretCacheAge();

    /** Endpoints one tenant may have. Key {@code refresher.webhooks.max-endpoints-per-tenant}, default {@code 10}. */
    @WithDefault("10")
    @Min(1)
    int maxEndpointsPerTenant();

    /** How often the pending and dead gauges are read from the database. Key {@code refresher.webhooks.gauge-interval}, default {@code 30s}. */
    @WithDefault("30s")
    Duration gaugeInterval();
}
