package dev.oauthrefresher.provider;

import io.quarkus.runtime.configuration.ConfigurationException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One provider group's settings, checked, with its endpoints resolved: token, revocation (if any), and the hosted
 * consent's authorization and userinfo endpoints (if any), default scopes and extra authorization parameters.
 */
record ProviderGroup(String name, ProvidersConfig.Group settings, URI tokenEndpoint, Optional<URI> revocationEndpoint,
        Optional<URI> authorizationEndpoint, List<String> defaultScopes, Map<String, String> authorizationParameters,
        Optional<URI> userinfoEndpoint) {

    static final URI GOOGLE_TOKEN_ENDPOINT = URI.create("https://oauth2.googleapis.com/token");
    /** Google's revocation endpoint: {@code token=} in a form, no client authentication (Google's OAuth 2.0 guide). */
    static final URI GOOGLE_REVOCATION_ENDPOINT = URI.create("https://oauth2.googleapis.com/revoke");

    /** Google's authorization endpoint (Google's OAuth 2.0 for web server applications guide). */
    static final URI GOOGLE_AUTHORIZATION_ENDPOINT = URI.create("https://accounts.google.com/o/oauth2/v2/auth");
    /** Google's OpenID Connect userinfo endpoint (its discovery document). */
    static final URI GOOGLE_USERINFO_ENDPOINT = URI.create("https://openidconnect.googleapis.com/v1/userinfo");
    /** Enough to name the Google account a connect session consented with. */
    static final List<String> GOOGLE_DEFAULT_SCOPES = List.of("openid", "email");
    /**
     * Google issues a refresh token only for {@code access_type=offline}, and again on a later consent only with
     * {@code prompt=consent}; {@code include_granted_scopes} keeps scopes granted before (incremental authorization).
     */
    static final Map<String, String> GOOGLE_AUTHORIZATION_PARAMETERS = Map.of("access_type", "offline",
            "prompt", "consent", "include_granted_scopes", "true");
    /** The parameters the connect flow sets itself: a group's extra parameters may not replace them. */
    static final Set<String> RESERVED_PARAMETERS = Set.of("response_type", "client_id", "redirect_uri", "scope", "state",
            "code_challenge", "code_challenge_method", "login_hint");
    private static final Pattern PARAMETER_NAME = Pattern.compile("^[A-Za-z0-9_.-]{1,64}$");

    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    /** Dotted IPv4 or an IPv6 address (it has colons): parsed without a DNS lookup. */
    private static final Pattern IP_LITERAL = Pattern.compile("^([0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)$");

    /**
     * Checks {@code settings} and fails with a message naming the offending key. A token endpoint and a revocation
     * endpoint must be {@code https://}; plain {@code http://} only to a loopback address, and only when
     * {@code allowInsecureLoopback}.
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
        requireSecure(prefix + ".token-endpoint", endpoint, allowInsecureLoopback);
        // a revocation request carries the refresh token (and, RFC 7009, the client's credentials) as a refresh does
        Optional<URI> revocation = settings.revocationEndpoint()
                .or(() -> settings.type() == Provider.GOOGLE ? Optional.of(GOOGLE_REVOCATION_ENDPOINT) : Optional.empty());
        revocation.ifPresent(uri -> requireSecure(prefix + ".revocation-endpoint", uri, allowInsecureLoopback));
        if (settings.clientId().isBlank()) {
            throw invalid(prefix + ".client-id", "must not be blank");
        }
        boolean google = settings.type() == Provider.GOOGLE;
        // the browser is sent here; the code it comes back with is as good as a token
        Optional<URI> authorization = settings.authorizationEndpoint()
                .or(() -> google ? Optional.of(GOOGLE_AUTHORIZATION_ENDPOINT) : Optional.empty());
        authorization.ifPresent(uri -> {
            requireSecure(prefix + ".authorization-endpoint", uri, allowInsecureLoopback);
            if (uri.getRawFragment() != null) {
                throw invalid(prefix + ".authorization-endpoint", "must not have a fragment (RFC 6749 section 3.1)");
            }
        });
        // the access token is sent there as a bearer token
        Optional<URI> userinfo = settings.userinfoEndpoint()
                .or(() -> google ? Optional.of(GOOGLE_USERINFO_ENDPOINT) : Optional.empty());
        userinfo.ifPresent(uri -> requireSecure(prefix + ".userinfo-endpoint", uri, allowInsecureLoopback));
        List<String> defaultScopes = settings.defaultScopes().filter(scopes -> !scopes.isEmpty())
                .orElse(google ? GOOGLE_DEFAULT_SCOPES : List.of());
        Map<String, String> parameters = new TreeMap<>(google ? GOOGLE_AUTHORIZATION_PARAMETERS : Map.of());
        settings.authorizationParameters().forEach((parameter, value) -> {
            String key = prefix + ".authorization-parameters." + parameter;
            if (!PARAMETER_NAME.matcher(parameter).matches() || RESERVED_PARAMETERS.contains(parameter)) {
                throw invalid(key, "is not an extra parameter a group may set (1-64 letters, digits, '_', '.' or '-'; "
                        + "not one of " + new TreeSet<>(RESERVED_PARAMETERS) + ", which the connect flow sets itself)");
            }
            parameters.put(parameter, value);
        });
        requirePositive(prefix + ".connect-timeout", settings.connectTimeout());
        requirePositive(prefix + ".request-timeout", settings.requestTimeout());
        requirePositive(prefix + ".assumed-token-lifetime", settings.assumedTokenLifetime());
        requirePositive(prefix + ".unreadable-expiry-lifetime", settings.unreadableExpiryLifetime());
        // Vert.x counts the keep-alive timeout in whole seconds, and 0 would keep idle connections for ever
        if (settings.idleConnectionTimeout().getSeconds() < 1) {
            throw invalid(prefix + ".idle-connection-timeout", "must be at least 1s");
        }
        return new ProviderGroup(name, settings, endpoint, revocation, authorization, List.copyOf(defaultScopes),
                Collections.unmodifiableMap(parameters), userinfo);
    }

    /**
     * An endpoint that receives refresh tokens must be {@code https://}; plain {@code http://} only to a loopback address,
     * and only when {@code allowInsecureLoopback}.
     */
    private static void requireSecure(String key, URI endpoint, boolean allowInsecureLoopback) {
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!endpoint.isAbsolute() || endpoint.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw invalid(key, "must be an absolute https URL");
        }
        if (scheme.equals("http") && !(allowInsecureLoopback && isLoopback(endpoint.getHost()))) {
            throw invalid(key, "must be an https URL: plain http would send refresh tokens and "
                    + "the client secret in clear (refresher.token-endpoints.allow-insecure-loopback=true allows http "
                    + "to a loopback address, for local fakes only)");
        }
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
