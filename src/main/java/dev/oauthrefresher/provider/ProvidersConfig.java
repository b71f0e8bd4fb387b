package dev.oauthrefresher.provider;

import dev.oauthrefresher.integration.Provider;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OAuth client credentials per provider group: {@code refresher.providers.<group>.*}. An integration names its
 * group; the group decides which client id and secret refresh its tokens, and where.
 */
@ConfigMapping(prefix = "refresher.providers")
public interface ProvidersConfig {

    /** Provider groups by name (lowercase letters, digits, dashes). */
    @WithParentName
    Map<String, Group> groups();

    interface Group {

        /** {@code google}, {@code microsoft} or {@code oauth2}. Key {@code refresher.providers.<group>.type}. */
        Provider type();

        /** OAuth client id. Key {@code refresher.providers.<group>.client-id}. */
        String clientId();

        /**
         * OAuth client secret, from the environment or a Kubernetes Secret, never from a committed file. Key
         * {@code refresher.providers.<group>.client-secret}.
         */
        String clientSecret();

        /**
         * Token endpoint. Key {@code refresher.providers.<group>.token-endpoint}; defaults to
         * {@code https://oauth2.googleapis.com/token} for {@code google}, required otherwise.
         */
        Optional<URI> tokenEndpoint();

        /** Scopes to request on refresh, if the provider needs them. Key {@code refresher.providers.<group>.scopes}. */
        Optional<List<String>> scopes();

        /** TCP connect timeout. Key {@code refresher.providers.<group>.connect-timeout}, default {@code 5s}. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Whole-call timeout. Key {@code refresher.providers.<group>.request-timeout}, default {@code 15s}. */
        @WithDefault("15s")
        Duration requestTimeout();
    }
}
