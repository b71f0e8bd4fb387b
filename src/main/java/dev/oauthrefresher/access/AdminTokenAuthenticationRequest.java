package dev.oauthrefresher.access;

import dev.oauthrefresher.common.Secret;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer value presented to {@code /admin/*}, for {@link AdminTokenIdentityProvider}. */
final class AdminTokenAuthenticationRequest extends BaseAuthenticationRequest {

    private final Secret presented;

    AdminTokenAuthenticationRequest(Secret presented) {
        this.presented = presented;
    }

    Secret presented() {
        return presented;
    }
}
