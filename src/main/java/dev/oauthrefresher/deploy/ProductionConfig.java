package dev.oauthrefresher.deploy;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;
import java.util.Set;

/** What a production process may be told to accept that it otherwise refuses. */
@ConfigMapping(prefix = "refresher.production")
public interface ProductionConfig {

    /**
     * Insecure switches a production process (the prod profile with the Key Vault store) may run with, each named by
     * its full key, e.g. {@code refresher.webhooks.allow-insecure-urls}. Any of {@link ProductionSafetyCheck#SWITCHES}
     * that is on and not named here stops the start. Meant for a staging cluster against local fakes, never for
     * production. Key {@code refresher.production.insecure-overrides}, default: none.
     */
    Optional<Set<String>> insecureOverrides();
}
