package dev.oauthrefresher.connect;

import dev.oauthrefresher.provider.TokenEndpointsConfig;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The hosted consent's public URLs, derived from {@code refresher.connect.public-url} and checked at startup with the
 * key named: the link a session answers with, and the callback every authorization request names as its
 * {@code redirect_uri}.
 */
@Startup
@ApplicationScoped
public class ConnectUrls {

    static final String PUBLIC_URL = "refresher.connect.public-url";
    static final String SESSION_LIFETIME = "refresher.connect.session-lifetime";

    private final Optional<String> base;
    private final boolean secure;

    ConnectUrls(ConnectConfig config, TokenEndpointsConfig endpoints) {
        requirePositive(SESSION_LIFETIME, config.sessionLifetime());
        this.base = config.publicUrl().map(url -> check(url, endpoints));
        this.secure = config.publicUrl().map(url -> "https".equalsIgnoreCase(url.getScheme())).orElse(true);
    }

    private static String check(URI url, TokenEndpointsConfig endpoints) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null
                || url.getRawUserInfo() != null) {
            throw new ConfigurationException(PUBLIC_URL + " must be an absolute https URL without query, fragment or "
                    + "user info", Set.of(PUBLIC_URL));
        }
        // the callback receives authorization codes: as good as tokens to whoever reads them on the wire
        if (!scheme.equals("https") && !endpoints.allowsInsecure(url)) {
            throw new ConfigurationException(PUBLIC_URL + " must be an https URL (plain http only to a loopback address "
                    + "with refresher.token-endpoints.allow-insecure-loopback=true, for local use)", Set.of(PUBLIC_URL));
        }
        String text = url.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    private static void requirePositive(String key, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new ConfigurationException(key + " must be positive", Set.of(key));
        }
    }

    /** Whether connect sessions can be created: the public URL is set. */
    boolean enabled() {
        return base.isPresent();
    }

    /** The link that opens a session, for the user's browser. */
    URI session(String sessionToken) {
        return URI.create(base.orElseThrow() + "/connect/" + sessionToken);
    }

    /** The callback the providers send the browser back to: {@code redirect_uri} of every authorization request. */
    URI callback() {
        return URI.create(base.orElseThrow() + "/connect/callback");
    }

    /** Whether the browser reaches the service over https, so the binding cookie is marked {@code Secure}. */
    boolean secure() {
        return secure;
    }
}
