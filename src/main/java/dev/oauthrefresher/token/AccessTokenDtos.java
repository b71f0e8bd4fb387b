package dev.oauthrefresher.token;

import dev.oauthrefresher.tokenstore.AccessToken;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Instant;

/** Bodies of {@code POST /v1/integrations/{id}/access-token}. */
public final class AccessTokenDtos {

    /** What {@code minValidSeconds} is when the request leaves it out. */
    static final int DEFAULT_MIN_VALID_SECONDS = 300;

    private AccessTokenDtos() {
    }

    /**
     * @param minValidSeconds the token must stay valid at least this long, else it is refreshed first (default 300)
     * @param forceRefresh refresh even if the stored token is valid long enough (honoured once per integration
     *        per {@code refresher.on-demand.force-refresh-min-interval})
     */
    public record AccessTokenRequest(@Min(0) @Max(86400) Integer minValidSeconds, Boolean forceRefresh) {

        int minValid() {
            return minValidSeconds == null ? DEFAULT_MIN_VALID_SECONDS : minValidSeconds;
        }

        boolean force() {
            return Boolean.TRUE.equals(forceRefresh);
        }
    }

    /**
     * The access token, never the refresh token. {@code minValidSatisfied} is false when the token is the freshest
     * there is but expires sooner than {@code minValidSeconds} asked (the provider issues shorter-lived tokens, or
     * it was refreshed moments ago: {@code refresher.on-demand.refresh-floor}); {@code expiresAt} is always real.
     * Registered for reflection: it leaves inside a response wrapper.
     */
    @RegisterForReflection
    public record AccessTokenResponse(String accessToken, String tokenType, Instant expiresAt, String scope,
            boolean refreshed, boolean minValidSatisfied) {

        static AccessTokenResponse of(AccessTokenService.Issued issued, Instant now, long minValidSeconds) {
            AccessToken t = issued.token();
            return new AccessTokenResponse(t.accessToken().reveal(), t.tokenType(), t.expiresAt(), t.scope().orElse(null),
                    issued.refreshed(), issued.satisfies(now, minValidSeconds));
        }

        @Override
        public String toString() {
            return "AccessTokenResponse[accessToken=[redacted], expiresAt=" + expiresAt + ", refreshed=" + refreshed
                    + ", minValidSatisfied=" + minValidSatisfied + "]";
        }
    }
}
