package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.Secret;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The tokens of one integration, as kept in the token store. Secrets are wrapped, so printing a
 * {@code TokenSet} shows no token.
 *
 * @param accessToken current access token
 * @param refreshToken refresh token; the only way to get the next access token, so it is never dropped
 * @param expiresAt when {@code accessToken} expires
 * @param scope granted scopes as the provider reported them, if it did
 * @param tokenType usually {@code Bearer}
 */
public record TokenSet(Secret accessToken, Secret refreshToken, Instant expiresAt, Optional<String> scope, String tokenType) {

    public TokenSet {
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(refreshToken, "refreshToken");
        Objects.requireNonNull(expiresAt, "expiresAt");
        scope = scope == null ? Optional.empty() : scope;
        tokenType = tokenType == null || tokenType.isBlank() ? "Bearer" : tokenType;
    }
}
