package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Every way a refresh-token grant can end, as one closed type: the pipeline switches over it and the
 * compiler checks that every case is handled. No variant carries the old refresh token or a client secret.
 */
public sealed interface RefreshResult {

    /**
     * The provider issued a new access token. {@code rotatedRefreshToken} is present only when the
     * provider returned a refresh token (rotation); Google does not, and the old one stays valid.
     */
    record Refreshed(Secret accessToken, Optional<Secret> rotatedRefreshToken, Instant expiresAt,
            Optional<String> scope, String tokenType) implements RefreshResult {
    }

    /** The grant is dead ({@code invalid_grant}): the user must reconnect. Never retried. */
    record GrantRevoked(String errorCode, String description, int httpStatus) implements RefreshResult {
    }

    /**
     * The provider refused the group's client credentials ({@code invalid_client}, {@code unauthorized_client},
     * or 401): not the integration's fault, so it is left untouched and the group's circuit opens.
     */
    record ClientRejected(String errorCode, int httpStatus) implements RefreshResult {
    }

    /**
     * Worth retrying later: 408, 429, 5xx, timeouts, connection failures, malformed success bodies.
     * {@code retryAfter} is the provider's own hint when it sent one.
     */
    record Transient(String errorCode, OptionalInt httpStatus, Optional<Duration> retryAfter, String description)
            implements RefreshResult {
    }

    /** The integration names a provider group this service has no configuration for. */
    record UnknownGroup(String group) implements RefreshResult {
    }
}
