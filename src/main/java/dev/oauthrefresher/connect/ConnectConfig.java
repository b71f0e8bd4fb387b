package dev.oauthrefresher.connect;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The hosted consent: {@code refresher.connect.*}. {@link ConnectUrls} checks it at startup. */
@ConfigMapping(prefix = "refresher.connect")
public interface ConnectConfig {

    /**
     * The service's public base URL as users' browsers reach it (scheme, host, optional port and path prefix, no query):
     * connect sessions send the browser to {@code <public-url>/connect/<session>}, and providers send it back to
     * {@code <public-url>/connect/callback}, which each group's OAuth client must list as a redirect URI. {@code https://}
     * (plain {@code http://} only to a loopback address with {@code refresher.token-endpoints.allow-insecure-loopback}).
     * Key {@code refresher.connect.public-url}; none by default, and without it connect sessions cannot be created
     * (404).
     */
    Optional<URI> publicUrl();

    /**
     * How long a connect session lasts from its creation, the user's consent at the provider included; after it the
     * session's link and its callback end in {@code error=session_expired}. Key
     * {@code refresher.connect.session-lifetime}, default {@code 10m}.
     */
    @WithDefault("10m")
    Duration sessionLifetime();
}
