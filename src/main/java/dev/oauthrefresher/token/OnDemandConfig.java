package dev.oauthrefresher.token;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;

/** Fresh access tokens on demand ({@code POST /v1/integrations/{id}/access-token}). */
@ConfigMapping(prefix = "refresher.on-demand")
public interface OnDemandConfig {

    /**
     * How long an access token read from the token store is served from this replica's memory, as long as the
     * integration's row still has the version it was read at (any refresh or reconnect, on any replica, changes
     * it), and never past the token's own expiry. Refresh tokens are never cached. Key
     * {@code refresher.on-demand.cache-ttl}, default {@code 60s}; {@code 0s} reads the store every time.
     */
    @WithDefault("60s")
    Duration cacheTtl();

    /**
     * Most access tokens held in that cache; past it, Caffeine evicts the entries least likely to be asked for
     * again. Key {@code refresher.on-demand.cache-max-entries}, default {@code 10000}; {@code 0} caches nothing.
     */
    @WithDefault("10000")
    @Min(0)
    @Max(1000000)
    int cacheMaxEntries();

    /**
     * How long a caller that finds the integration leased by a run (or another replica's on-demand refresh)
     * waits for that refresh's outcome, polling the row, before answering 503. Key
     * {@code refresher.on-demand.wait-for-refresh}, default {@code 10s}.
     */
    @WithDefault("10s")
    Duration waitForRefresh();

    /**
     * How often such a caller reads the row while it waits. Key {@code refresher.on-demand.poll-interval},
     * default {@code 100ms}.
     */
    @WithDefault("100ms")
    Duration pollInterval();

    /**
     * {@code forceRefresh} is honoured at most once per integration per this interval: within it, the caller
     * gets the token the last refresh issued. Key {@code refresher.on-demand.force-refresh-min-interval},
     * default {@code 60s}.
     */
    @WithDefault("60s")
    Duration forceRefreshMinInterval();

    /**
     * An access token this service refreshed less than this fraction of its lifetime ago is not refreshed on demand
     * again (a forced refresh still may, once per force interval). A caller asking for more validity than the
     * provider issues (say {@code minValidSeconds=3600} against Google's 3599 s tokens) then gets the freshest token,
     * with its real {@code expiresAt} and {@code minValidSatisfied: false}, instead of a provider call per request.
     * Key {@code refresher.on-demand.refresh-floor}, default {@code 0.25}; {@code 0} turns the floor off.
     */
    @WithDefault("0.25")
    @DecimalMin("0")
    @DecimalMax("1")
    double refreshFloor();

    /**
     * On-demand refreshes each tenant may start per second on this replica (a burst of as many); past it the
     * caller gets 429 with {@code Retry-After}. Tokens that need no refresh are not counted, nor callers that join a
     * refresh already in flight. Key {@code refresher.on-demand.tenant-refreshes-per-second}, default {@code 10}.
     */
    @WithDefault("10")
    @Min(1)
    @Max(100000)
    int tenantRefreshesPerSecond();

    /**
     * What {@code Retry-After} tells a caller whose token could not be had for now (the token store did not answer,
     * the refresh was deferred, the row changed under it), unless a cause gives a delay of its own. Key
     * {@code refresher.on-demand.retry-after}, default {@code 5s}.
     */
    @WithDefault("5s")
    Duration retryAfter();
}
