package dev.oauthrefresher.provider;

import dev.oauthrefresher.provider.RefreshResult.Refreshed;
import java.util.Optional;

/**
 * How an authorization-code exchange (RFC 6749 section 4.1.3) ended: the token endpoint's answer, classified as a
 * refresh's is ({@link RefreshResult}: a {@link Refreshed} carries the grant's refresh token, if the provider issued
 * one, in {@code rotatedRefreshToken}), and who consented when the answer says it (an ID token's claims). No variant
 * carries the code, the verifier or the client secret.
 */
public record CodeExchange(RefreshResult result, Optional<AccountClaims> account) {
}
