package dev.oauthrefresher.access;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;
import java.time.Duration;

/** Limits on tenant API keys. */
@ConfigMapping(prefix = "refresher.access")
public interface AccessConfig {

    /**
     * Requests per second one tenant API key may make to {@code /v1/*} on one replica, with a burst of as many;
     * beyond it the answer is 429 with {@code Retry-After}. Key {@code refresher.access.rate-limit-per-key},
     * default {@code 100}.
     */
    @WithDefault("100")
    @Min(1)
    int rateLimitPerKey();

    /**
     * How precisely {@code lastUsedAt} is kept: a key's use is written at most once per this interval, so a busy
     * key does not cost a database write per request. Key {@code refresher.access.last-used-resolution},
     * default {@code 1m}.
     */
    @WithDefault("1m")
    Duration lastUsedResolution();
}
