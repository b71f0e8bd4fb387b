package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.Secret;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OAuth client credentials per provider group: {@code refresher.providers.<group>.*}. An integration names its
 * group; the group decides which client id and secret refresh its tokens, and where. {@link ProviderGroup}
 * checks every group at startup and names the offending key.
 */
@ConfigMapping(prefix = "refresher.providers")
public interface ProvidersConfig {

    /** Provider groups by name (1-63 lowercase letters, digits or dashes, as integrations name them). */
    @WithParentName
    Map<String, Group> groups();

    interface Group {

        /** {@code google}, {@code microsoft} or {@code oauth2}. Key {@code refresher.providers.<group>.type}, required. */
        Provider type();

        /** OAuth client id. Key {@code refresher.providers.<group>.client-id}, required. */
        String clientId();

        /**
         * OAuth client secret, from the environment or a Kubernetes Secret, never from a committed file. Key
         * {@code refresher.providers.<group>.client-secret}, required.
         */
        Secret clientSecret();

        /**
         * Token endpoint, an absolute http(s) URL. Key {@code refresher.providers.<group>.token-endpoint};
         * defaults to {@code https://oauth2.googleapis.com/token} for {@code google}, required otherwise.
         */
        Optional<URI> tokenEndpoint();

        /**
         * Where a disconnect revokes the grant's refresh token: Google's revocation endpoint ({@code token} in the form)
         * or an RFC 7009 one ({@code token} and {@code token_type_hint=refresh_token}, with the client authentication
         * of the token endpoint). The same rules as the token endpoint: an absolute {@code https://} URL (plain
         * {@code http://} only to a loopback address with {@code refresher.token-endpoints.allow-insecure-loopback}).
         * Key {@code refresher.providers.<group>.revocation-endpoint}; defaults to
         * {@code https://oauth2.googleapis.com/revoke} for {@code google}; other types revoke nothing unless it is set.
         */
        Optional<URI> revocationEndpoint();

        /**
         * Scopes sent with every refresh ({@code scope} parameter, space-joined); none by default, which keeps
         * the scopes originally granted. Key {@code refresher.providers.<group>.scopes}, comma-separated.
         */
        Optional<List<String>> scopes();

        /**
         * Where the user's browser is sent to consent (RFC 6749 section 4.1.1) when a connect session of this group is
         * opened; a group without one cannot be used for connect sessions. The same rules as the token endpoint: an
         * absolute {@code https://} URL (plain {@code http://} only to a loopback address with
         * {@code refresher.token-endpoints.allow-insecure-loopback}). Key
         * {@code refresher.providers.<group>.authorization-endpoint}; defaults to
         * {@code https://accounts.google.com/o/oauth2/v2/auth} for {@code google}, none otherwise.
         */
        Optional<URI> authorizationEndpoint();

        /**
         * Scopes a connect session asks for when its request names none. Key
         * {@code refresher.providers.<group>.default-scopes}, comma-separated; defaults to {@code openid,email} for
         * {@code google}, none otherwise (a session must then name its scopes).
         */
        Optional<List<String>> defaultScopes();

        /**
         * Extra query parameters of the authorization request, added after the standard ones (which they cannot
         * replace). Keys {@code refresher.providers.<group>.authorization-parameters.<name>}; for {@code google} the
         * defaults are {@code access_type=offline}, {@code prompt=consent} and {@code include_granted_scopes=true}
         * (Google issues a refresh token only with offline access, and again only with a fresh consent), which a
         * setting of the same name replaces.
         */
        Map<String, String> authorizationParameters();

        /**
         * Where a connect callback reads the user's account ({@code sub}, {@code email}) when the granted scopes have
         * no {@code openid} (so no ID token names it); the access token is sent as a bearer token. The same rules as
         * the token endpoint. Key {@code refresher.providers.<group>.userinfo-endpoint}; defaults to
         * {@code https://openidconnect.googleapis.com/v1/userinfo} for {@code google}, none otherwise.
         */
        Optional<URI> userinfoEndpoint();

        /**
         * How the client authenticates: {@code post} sends {@code client_id} and {@code client_secret} in the
         * form body ({@code client_secret_post}, what Google and Microsoft document); {@code basic} sends an
         * HTTP Basic header ({@code client_secret_basic}). Key {@code refresher.providers.<group>.client-auth},
         * default {@code post}.
         */
        @WithDefault("post")
        ClientAuth clientAuth();

        /** TCP connect timeout. Key {@code refresher.providers.<group>.connect-timeout}, default {@code 5s}. */
        @WithDefault("5s")
        Duration connectTimeout();

        /**
         * Longest wait for a pooled connection and, once sent, for the endpoint's answer; past it the call
         * ends as a transient {@code timeout}. Key {@code refresher.providers.<group>.request-timeout},
         * default {@code 15s}.
         */
        @WithDefault("15s")
        Duration requestTimeout();

        /**
         * HTTP connections kept open to the token endpoint; calls beyond it wait for a free one, so keep it at
         * least {@code refresher.refresh.concurrency}. Key {@code refresher.providers.<group>.max-connections},
         * default {@code 64} (the default concurrency).
         */
        @WithDefault("64")
        @Min(1)
        @Max(1000)
        int maxConnections();

        /**
         * Pooled connections idle longer than this are closed by us first, so a request rarely meets a connection the
         * endpoint has just closed (that would fail it as connection lost, which is never resent); keep it below the
         * endpoint's own idle timeout. Whole seconds, at least {@code 1s}. Key
         * {@code refresher.providers.<group>.idle-connection-timeout}, default {@code 20s}.
         */
        @WithDefault("20s")
        Duration idleConnectionTimeout();

        /**
         * Lifetime assumed for an access token whose answer has no {@code expires_in} and which is no JWT with an
         * {@code exp} (RFC 6749 makes {@code expires_in} only recommended). Key
         * {@code refresher.providers.<group>.assumed-token-lifetime}, default {@code 1h}.
         */
        @WithDefault("1h")
        Duration assumedTokenLifetime();

        /**
         * Lifetime given to an access token whose {@code expires_in} is present but unreadable (say {@code "3600s"}):
         * short, so it is refreshed again soon, yet the answer is kept (a rotating provider has already spent the old
         * refresh token). Key {@code refresher.providers.<group>.unreadable-expiry-lifetime}, default {@code 5m}.
         */
        @WithDefault("5m")
        Duration unreadableExpiryLifetime();
    }

    /** Client authentication at the token endpoint (RFC 6749 section 2.3.1). */
    enum ClientAuth {
        POST,
        BASIC
    }
}
