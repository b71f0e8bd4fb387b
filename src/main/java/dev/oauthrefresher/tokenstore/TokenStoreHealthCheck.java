package dev.oauthrefresher.tokenstore;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: the token store answers (for Key Vault: reachable, and this service's identity is let in). */
@Readiness
@ApplicationScoped
public class TokenStoreHealthCheck implements AsyncHealthCheck {

    static final String NAME = "token-store";

    private final TokenStore tokenStore;
    private final TokenStoreConfig config;

    TokenStoreHealthCheck(TokenStore tokenStore, TokenStoreConfig config) {
        this.tokenStore = tokenStore;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        Duration timeout = config.readinessTimeout();
        String kind = config.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
        return tokenStore.ping()
                .ifNoItem().after(timeout).fail()
                .map(ok -> HealthCheckResponse.named(NAME).up().withData("kind", kind).build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(NAME).down().withData("kind", kind)
                        .withData("reason", reason(failure, timeout)).build());
    }

    /** TokenStoreException messages carry no token; other failures show only their class. */
    private static String reason(Throwable failure, Duration timeout) {
        if (failure instanceof TokenStoreException) {
            return failure.getMessage();
        }
        if (failure instanceof io.smallrye.mutiny.TimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        return failure.getClass().getName();
    }
}
