package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Every way a refresh-token grant can end, as one closed (sealed) type: no other outcome can be made, and the
 * pipeline handles each variant (Java 17 has no pattern switch, so an unhandled one fails loudly at run
 * time). No variant carries the old refresh token or a client secret.
 * A description holds at most the provider's {@code error} and {@code error_description}, with anything equal
 * to the refresh token or client secret redacted, cut to {@value #MAX_DESCRIPTION} characters; never a
 * response body.
 */
public sealed interface RefreshResult {

    /** Longest description any result carries. */
    int MAX_DESCRIPTION = 200;

    /**
     * The provider issued a new access token. {@code rotatedRefreshToken} is present only when the
     * provider returned a refresh token (rotation); Google does not, and the old one stays valid.
     * {@code expiresAt} comes from {@code expires_in}, else from a JWT access token's {@code exp}, else it is
     * the group's {@code assumed-token-lifetime} (default one hour) from the answer. {@code tokenType} is {@code Bearer}
     * when the provider left it out. {@code oddities} names members that were not what RFC 6749 says (such as
     * {@code scope_array} or {@code expires_in_unreadable}); the answer was taken with a safe value in their place.
     */
    record Refreshed(Secret accessToken, Optional<Secret> rotatedRefreshToken, Instant expiresAt,
            Optional<String> scope, String tokenType, List<String> oddities) implements RefreshResult {

        public Refreshed {
            oddities = List.copyOf(oddities);
        }
    }

    /**
     * The grant is dead ({@code invalid_grant}: revoked, expired, password changed, {@code invalid_rapt}...):
     * the user must reconnect. Never retried.
     */
    record GrantRevoked(String errorCode, String description, int httpStatus) implements RefreshResult {
    }

    /**
     * The provider refused the group's client credentials ({@code invalid_client}, {@code unauthorized_client},
     * or 401): not the integration's fault, so it is left untouched and the group's circuit opens.
     * {@code errorCode} is the OAuth error, or {@code http_401} when a 401 came without one.
     */
    record ClientRejected(String errorCode, String description, int httpStatus) implements RefreshResult {
    }

    /**
     * Worth retrying later: 408, 429, 5xx, any other HTTP answer without {@code invalid_grant} or a client
     * error, timeouts, connection failures, malformed success bodies. {@code errorCode} is one of
     * {@code http_<status>}, {@link #TIMEOUT}, {@link #CONNECT_ERROR}, {@link #CONNECTION_LOST},
     * {@link #MALFORMED_RESPONSE} or
     * {@link #UNEXPECTED_ERROR}: a short, bounded vocabulary fit for a metric label. {@code retryAfter} is the
     * provider's own {@code Retry-After} hint when it sent one.
     */
    record Transient(String errorCode, OptionalInt httpStatus, Optional<Duration> retryAfter, String description)
            implements RefreshResult {

        /** No answer within the group's request timeout. */
        public static final String TIMEOUT = "timeout";
        /** The request never left: the host name did not resolve, or the connection was refused or timed out. */
        public static final String CONNECT_ERROR = "connect_error";
        /**
         * The connection broke after the request may have been sent (reset, closed): the provider may have
         * rotated the refresh token, so the call is not repeated.
         */
        public static final String CONNECTION_LOST = "connection_lost";
        /** HTTP 200 whose body is not a usable token response. */
        public static final String MALFORMED_RESPONSE = "malformed_response";
        /** Anything else; the gateway logs its type. */
        public static final String UNEXPECTED_ERROR = "unexpected_error";

        /** The error code of an HTTP answer with this status. */
        public static String httpCode(int status) {
            return "http_" + status;
        }
    }

    /** The integration names a provider group this service has no configuration for. */
    record UnknownGroup(String group) implements RefreshResult {
    }
}
