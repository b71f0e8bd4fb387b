package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.Secret;
import java.time.Instant;
import java.util.Optional;

/** The part of a token set that may leave the service: never the refresh token. */
public record AccessToken(Secret accessToken, String tokenType, Instant expiresAt, Optional<String> scope) {

    public static AccessToken of(TokenSet tokens) {
        return new AccessToken(tokens.accessToken(), tokens.tokenType(), tokens.expiresAt(), tokens.scope());
    }

    public boolean validFor(Instant now, long seconds) {
        return !expiresAt.isBefore(now.plusSeconds(seconds));
    }
}
