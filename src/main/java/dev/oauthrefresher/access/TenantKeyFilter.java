package dev.oauthrefresher.access;

import dev.oauthrefresher.common.BearerTokens;
import dev.oauthrefresher.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates {@code /v1/*} calls by tenant API key before any body is read: 401 without a valid, unrevoked
 * key, 403 naming the scope the method needs, 429 with {@code Retry-After} past the key's rate. The key's row
 * is read on a worker thread, so the filter never blocks an event loop.
 */
public class TenantKeyFilter {

    private final ApiKeyService keys;
    private final KeyRateLimits limits;

    TenantKeyFilter(ApiKeyService keys, KeyRateLimits limits) {
        this.keys = keys;
        this.limits = limits;
    }

    @TenantApi
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION, preMatching = false)
    public Uni<Void> authenticate(ContainerRequestContext request, ResourceInfo resource) {
        Optional<String> presented = BearerTokens.bearerValue(request.getHeaderString(HttpHeaders.AUTHORIZATION))
                .filter(ApiKeyMaterial::looksLikeKey);
        if (presented.isEmpty()) {
            return Uni.createFrom().failure(ProblemException.unauthorized());
        }
        return Uni.createFrom().item(() -> keys.authenticate(presented.get()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                // a key lookup fails only when the database does (down, or no free connection): come back soon
                .onFailure().transform(e -> ProblemException.databaseUnavailable())
                .map(found -> {
                    TenantKey key = found.orElseThrow(ProblemException::unauthorized);
                    RequiresScope required = resource.getResourceMethod().getAnnotation(RequiresScope.class);
                    if (required != null && !key.has(required.value())) {
                        throw new ProblemException(403, "missing-scope", "Forbidden",
                                "This API key lacks the scope '" + required.value().code() + "'.");
                    }
                    limits.tryAcquire(key.id()).ifPresent(TenantKeyFilter::tooManyRequests);
                    request.setProperty(TenantKey.REQUEST_PROPERTY, key);
                    return null;
                });
    }

    private static void tooManyRequests(Duration wait) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        throw new ProblemException(429, "rate-limited", "Too Many Requests",
                "This API key made more requests than its rate limit allows; retry after " + seconds + " s.",
                Map.of("Retry-After", Long.toString(seconds)));
    }
}
