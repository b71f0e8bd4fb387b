package dev.oauthrefresher.provider;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;

/** What every provider group's token endpoint must be: {@code https://}, unless a local fake is allowed. */
@ConfigMapping(prefix = "refresher.token-endpoints")
public interface TokenEndpointsConfig {

    /**
     * Allow plain {@code http://} token endpoints on loopback addresses only ({@code localhost}, {@code 127.0.0.0/8},
     * {@code ::1}), for the local fakes of dev mode, tests and benchmarks. Never in production: a refresh token and
     * a client secret would cross the network in clear. Key {@code refresher.token-endpoints.allow-insecure-loopback},
     * default {@code false}.
     */
    @WithDefault("false")
    boolean allowInsecureLoopback();

    /**
     * Whether {@code uri} may be plain {@code http://} under this setting: it is, to a loopback address, and the
     * setting allows it. Other names are not resolved, so DNS cannot make them loopback.
     */
    default boolean allowsInsecure(URI uri) {
        return allowInsecureLoopback() && "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null
                && ProviderGroup.isLoopback(uri.getHost());
    }
}
