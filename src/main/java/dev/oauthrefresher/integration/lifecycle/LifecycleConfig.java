package dev.oauthrefresher.integration.lifecycle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How registry changes (reconnect, disconnect) meet a refresh that holds the integration's row. */
@ConfigMapping(prefix = "refresher.integrations")
public interface LifecycleConfig {

    /**
     * How long a reconnect or disconnect waits for the refresh that holds the row (a run holds one for the seconds of
     * one refresh) before it answers 503 {@code integration-busy}, or 409 {@code rotation-pending} when a rotated refresh
     * token is still waiting for the token store. Key {@code refresher.integrations.lease-wait}, default {@code 10s}.
     */
    @WithDefault("10s")
    Duration leaseWait();
}
