package dev.oauthrefresher.provider;

import io.quarkus.arc.Unremovable;
import io.quarkus.oidc.common.OidcEndpoint;
import io.quarkus.oidc.common.OidcRequestContextProperties;
import io.quarkus.oidc.common.OidcRequestFilter;
import io.quarkus.oidc.common.OidcResponseFilter;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * Sits on the token calls of the provider groups' oidc clients. On the way out it bounds the call by the group's
 * request timeout. On the way back it sees what the oidc client hides (the status and headers, and a body that may
 * be empty) and fails the call with a {@link ClassifiedResponse} for every answer that is not a usable token
 * response, so classification never guesses from the raw body an {@code OidcClientException} carries.
 * {@code @Unremovable}: nothing injects it, and without it Quarkus drops the bean and the client runs unfiltered.
 */
@Unremovable
@ApplicationScoped
@OidcEndpoint(OidcEndpoint.Type.TOKEN)
class TokenEndpointFilter implements OidcRequestFilter, OidcResponseFilter {

    /** The request property under which the oidc client names itself (its id). */
    private static final String CLIENT_ID = "client-id";

    private final ProvidersConfig config;

    TokenEndpointFilter(ProvidersConfig config) {
        this.config = config;
    }

    @Override
    public void filter(OidcRequestContext context) {
        // a connect timeout covering the wait for a pooled connection, and an idle timeout for the answer: the
        // call fails at the transport, so no answer can arrive after it was given up (a rotated refresh token
        // in a late answer would be lost)
        settings(context.contextProperties())
                .ifPresent(group -> context.request().timeout(group.requestTimeout().toMillis()));
    }

    @Override
    public void filter(OidcResponseContext context) {
        if (settings(context.requestProperties()).isEmpty()) {
            return;
        }
        Buffer body = context.responseBody();
        TokenResponses.classify(context.statusCode(), context.responseHeaders().get("Retry-After"),
                        body == null ? null : body.toString(StandardCharsets.UTF_8), Instant.now())
                .ifPresent(result -> {
                    throw new ClassifiedResponse(result);
                });
    }

    private Optional<ProvidersConfig.Group> settings(OidcRequestContextProperties properties) {
        String group = ProviderGroup.groupOf(properties == null ? null : properties.getString(CLIENT_ID));
        return group == null ? Optional.empty() : Optional.ofNullable(config.groups().get(group));
    }
}
