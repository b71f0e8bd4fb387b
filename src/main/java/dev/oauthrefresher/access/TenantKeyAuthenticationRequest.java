package dev.oauthrefresher.access;

import dev.oauthrefresher.common.Secret;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer value presented to {@code /v1/*}, for {@link TenantKeyIdentityProvider}. */
final class TenantKeyAuthenticationRequest extends BaseAuthenticationRequest {

    private final Secret presented;

    TenantKeyAuthenticationRequest(Secret presented) {
        this.presented = presented;
    }

    Secret presented() {
        return presented;
    }
}
