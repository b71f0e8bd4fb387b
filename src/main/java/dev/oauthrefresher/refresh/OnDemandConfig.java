package dev.oauthrefresher.refresh;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;

/** Fresh access tokens on demand ({@code POST /v1/integrations/{id}/access-token}). */
@ConfigMapping(prefix = "refresher.on-demand")
public interface OnDemandConfig {

    /**
     * How long an access token read from the token store is served from this replica's memory, as long as the
     * integration's row still has the version it was read at (any refresh or reconnect, on any replica, changes
     * it). Refresh tokens are never cached. Key {@code refresher.on-demand.cache-ttl}, default {@code 60s};
     * {@code 0s} reads the store every time.
     */
    @WithDefault("60s")
    Duration cacheTtl();

    /**
     * Most access tokens held in that cache; past it, new ones are not cached until entries age out. Key
     * {@code refresher.on-demand.cache-max-entries}, default {@code 10000}.
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
}
