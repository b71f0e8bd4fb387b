package dev.oauthrefresher.provider;

import dev.oauthrefresher.integration.Provider;
import io.quarkus.oidc.client.OidcClientConfigBuilder;
import io.quarkus.oidc.client.runtime.OidcClientConfig;
import io.quarkus.oidc.common.runtime.config.OidcClientCommonConfig.Credentials.Secret.Method;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** One provider group's settings, checked, with its token endpoint resolved; builds the group's oidc client. */
record ProviderGroup(String name, ProvidersConfig.Group settings, URI tokenEndpoint) {

    static final URI GOOGLE_TOKEN_ENDPOINT = URI.create("https://oauth2.googleapis.com/token");

    /** Prefix of the oidc client ids this package creates, so the token-endpoint filters leave other clients alone. */
    static final String CLIENT_ID_PREFIX = "refresher-provider-";

    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    /** Dotted IPv4 or an IPv6 address (it has colons): parsed without a DNS lookup. */
    private static final Pattern IP_LITERAL = Pattern.compile("^([0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)$");

    /**
     * Checks {@code settings} and fails with a message naming the offending key. A token endpoint must be
     * {@code https://}; plain {@code http://} only to a loopback address, and only when {@code allowInsecureLoopback}.
     */
    static ProviderGroup of(String name, ProvidersConfig.Group settings, boolean allowInsecureLoopback) {
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
            throw invalid(prefix + ".token-endpoint", "must be an absolute https URL");
        }
        if (scheme.equals("http") && !(allowInsecureLoopback && isLoopback(endpoint.getHost()))) {
            throw invalid(prefix + ".token-endpoint", "must be an https URL: plain http would send refresh tokens and "
                    + "the client secret in clear (refresher.token-endpoints.allow-insecure-loopback=true allows http "
                    + "to a loopback address, for local fakes only)");
        }
        if (settings.clientId().isBlank()) {
            throw invalid(prefix + ".client-id", "must not be blank");
        }
        requirePositive(prefix + ".connect-timeout", settings.connectTimeout());
        requirePositive(prefix + ".request-timeout", settings.requestTimeout());
        return new ProviderGroup(name, settings, endpoint);
    }

    /** The oidc client's id; the token-endpoint filters map it back with {@link #groupOf(String)}. */
    String oidcClientId() {
        return CLIENT_ID_PREFIX + name;
    }

    /** The group an oidc client id belongs to, or null for a client this package did not create. */
    static String groupOf(String oidcClientId) {
        return oidcClientId != null && oidcClientId.startsWith(CLIENT_ID_PREFIX)
                ? oidcClientId.substring(CLIENT_ID_PREFIX.length())
                : null;
    }

    /** A refresh-token-only client: discovery off, absolute token URL, the group's client authentication. */
    OidcClientConfig oidcClientConfig() {
        Method method = settings.clientAuth() == ProvidersConfig.ClientAuth.BASIC ? Method.BASIC : Method.POST;
        OidcClientConfigBuilder builder = OidcClientConfig.builder()
                .id(oidcClientId())
                .discoveryEnabled(false)
                .tokenPath(tokenEndpoint.toString())
                .clientId(settings.clientId())
                .credentials().clientSecret(settings.clientSecret().reveal(), method).end()
                .grant(OidcClientConfig.Grant.Type.REFRESH)
                .connectionTimeout(settings.connectTimeout())
                // the client retries a refused or reset connection at once: 0 breaks every call, and a retry
                // after a reset could replay a refresh token the provider already rotated, so keep the minimum
                .connectionRetryCount(1)
                .maxPoolSize(settings.maxConnections());
        // an empty list would still send an empty scope parameter
        settings.scopes().filter(scopes -> !scopes.isEmpty()).ifPresent(builder::scopes);
        return builder.build();
    }

    /** {@code localhost} or a loopback IP literal; other names are not resolved, so DNS cannot make them loopback. */
    static boolean isLoopback(String host) {
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (literal.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!IP_LITERAL.matcher(literal).matches()) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
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
