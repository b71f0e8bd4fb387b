package dev.oauthrefresher.access;

import dev.oauthrefresher.access.BearerAuthenticationRequest.ForAdminToken;
import dev.oauthrefresher.access.BearerAuthenticationRequest.ForTenantKey;
import dev.oauthrefresher.common.BearerTokens;
import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code Authorization: Bearer …}: on {@code /v1/*} as a tenant API key ({@link TenantKeyIdentityProvider}),
 * on {@code /admin/*} as an admin token ({@link AdminTokenIdentityProvider}); each surface accepts only its own
 * kind, and other paths (the cron trigger authenticates itself) are left anonymous. A tenant key past its rate limit
 * is answered 429 with {@code Retry-After} ({@link KeyRateLimits}). Authentication is lazy
 * ({@code quarkus.http.auth.proactive=false}): it runs when a resource method's security check asks for the
 * identity, so its refusals reach the problem mappers ({@link AccessProblemMappers}).
 */
@ApplicationScoped
class BearerAuthenticationMechanism implements HttpAuthenticationMechanism {

    private static final ChallengeData CHALLENGE = new ChallengeData(401, "WWW-Authenticate", "Bearer");

    private final KeyRateLimits limits;

    BearerAuthenticationMechanism(KeyRateLimits limits) {
        this.limits = limits;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String path = context.normalizedPath();
        Optional<String> presented = BearerTokens.bearerValue(context.request().getHeader(HttpHeaders.AUTHORIZATION));
        if (presented.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        if (under(path, "/v1")) {
            if (!ApiKeyMaterial.looksLikeKey(presented.get())) {
                return Uni.createFrom().failure(new AuthenticationFailedException());
            }
            return identities.authenticate(routed(new ForTenantKey(Secret.of(presented.get())), context))
                    .invoke(this::withinRateLimit);
        }
        if (under(path, "/admin")) {
            return identities.authenticate(routed(new ForAdminToken(Secret.of(presented.get())), context));
        }
        return Uni.createFrom().nullItem();
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }

    private static AuthenticationRequest routed(AuthenticationRequest request, RoutingContext context) {
        return HttpSecurityUtils.setRoutingContextAttribute(request, context);
    }

    private void withinRateLimit(SecurityIdentity identity) {
        limits.tryAcquire(TenantKey.of(identity).id()).ifPresent(wait -> {
            throw tooManyRequests(wait);
        });
    }

    private static ProblemException tooManyRequests(Duration wait) {
        long seconds = RetryAfter.seconds(wait);
        return new ProblemException(ProblemType.RATE_LIMITED,
                "This API key made more requests than its rate limit allows; retry after " + seconds + " s.",
                wait);
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(CHALLENGE);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ForTenantKey.class, ForAdminToken.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}
