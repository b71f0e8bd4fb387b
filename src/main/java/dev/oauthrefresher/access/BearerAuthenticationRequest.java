package dev.oauthrefresher.access;

import dev.oauthrefresher.common.Secret;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer value presented by a caller; its kind (tenant key or admin token) picks the identity provider. */
abstract sealed class BearerAuthenticationRequest extends BaseAuthenticationRequest {

    private final Secret presented;

    private BearerAuthenticationRequest(Secret presented) {
        this.presented = presented;
    }

    Secret presented() {
        return presented;
    }

    /** Presented to {@code /v1/*}, for {@link TenantKeyIdentityProvider}. */
    static final class ForTenantKey extends BearerAuthenticationRequest {
        ForTenantKey(Secret presented) {
            super(presented);
        }
    }

    /** Presented to {@code /admin/*}, for {@link AdminTokenIdentityProvider}. */
    static final class ForAdminToken extends BearerAuthenticationRequest {
        ForAdminToken(Secret presented) {
            super(presented);
        }
    }
}
