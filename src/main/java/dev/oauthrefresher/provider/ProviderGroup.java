package dev.oauthrefresher.provider;

import dev.oauthrefresher.integration.Provider;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** One provider group's settings, checked, with its token endpoint resolved. */
record ProviderGroup(String name, ProvidersConfig.Group settings, URI tokenEndpoint) {

    static final URI GOOGLE_TOKEN_ENDPOINT = URI.create("https://oauth2.googleapis.com/token");

    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    /** Checks {@code settings} and fails with a message naming the offending key. */
    static ProviderGroup of(String name, ProvidersConfig.Group settings) {
        String prefix = "refresher.providers." + name;
        if (!NAME.matcher(name).matches()) {
            throw invalid(prefix, "provider group names are 1-63 lowercase letters, digits or dashes");
        }
        URI endpoint = settings.tokenEndpoint().orElseGet(() -> {
            if (settings.type() == Provider.GOOGLE) {
                return GOOGLE_TOKEN_ENDPOINT;
            }
            throw invalid(prefix + ".token-endpoint", "is required for type " + settings.type().code()
                    + " (only google has a default)");
        });
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!endpoint.isAbsolute() || endpoint.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw invalid(prefix + ".token-endpoint", "must be an absolute http(s) URL");
        }
        if (settings.clientId().isBlank()) {
            throw invalid(prefix + ".client-id", "must not be blank");
        }
        requirePositive(prefix + ".connect-timeout", settings.connectTimeout());
        requirePositive(prefix + ".request-timeout", settings.requestTimeout());
        return new ProviderGroup(name, settings, endpoint);
    }

    private static void requirePositive(String key, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw invalid(key, "must be positive");
        }
    }

    private static ConfigurationException invalid(String key, String problem) {
        return new ConfigurationException(key + " " + problem, Set.of(key));
    }
}
