package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.Provider;
import dev.oauthrefresher.integration.ProviderGroups;
import dev.oauthrefresher.provider.RefreshResult.ClientRejected;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Refreshed;
import dev.oauthrefresher.provider.RefreshResult.Transient;
import dev.oauthrefresher.provider.RefreshResult.UnknownGroup;
import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.OidcClientException;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.oidc.client.Tokens;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.jboss.logging.Logger;

/**
 * Refreshes tokens at the provider groups' token endpoints, one quarkus-oidc-client per group, built and checked
 * at startup. {@link #refresh} never fails: every outcome, including a timeout or an endpoint that is down, is a
 * {@link RefreshResult}.
 */
@Startup
@ApplicationScoped
public class ProviderGateway implements ProviderGroups {

    /** Lifetime assumed for an access token whose answer has no {@code expires_in} and which is no JWT with an {@code exp}. */
    public static final Duration ASSUMED_LIFETIME = Duration.ofHours(1);

    private static final Logger LOG = Logger.getLogger(ProviderGateway.class);
    private static final String REDACTED = "[redacted]";

    private final Map<String, GroupClient> clients;

    ProviderGateway(ProvidersConfig config, TokenEndpointsConfig endpoints, OidcClients oidcClients) {
        Map<String, GroupClient> built = new LinkedHashMap<>();
        config.groups().forEach((name, settings) -> {
            ProviderGroup group = ProviderGroup.of(name, settings, endpoints.allowInsecureLoopback());
            // no I/O here: discovery is off and the token URL is absolute
            OidcClient client = oidcClients.newClient(group.oidcClientConfig()).await().atMost(Duration.ofSeconds(30));
            built.put(name, new GroupClient(group, client));
            LOG.infof("Provider group %s (%s) refreshes at %s", name, settings.type().code(), group.tokenEndpoint());
        });
        clients = Map.copyOf(built);
    }

    @PreDestroy
    void close() {
        clients.values().forEach(gc -> {
            try {
                gc.client().close();
            } catch (IOException e) {
                LOG.debugf("Closing the oidc client of provider group %s failed: %s", gc.group().name(), e.getClass().getName());
            }
        });
    }

    @Override
    public Optional<Provider> typeOf(String group) {
        return Optional.ofNullable(clients.get(group)).map(gc -> gc.group().settings().type());
    }

    /** Whether {@code providerGroup} is configured; if not, {@link #refresh} answers {@link UnknownGroup}. */
    public boolean knowsGroup(String providerGroup) {
        return clients.containsKey(providerGroup);
    }

    /**
     * Redeems {@code refreshToken} at the token endpoint of {@code providerGroup}. The returned Uni never fails;
     * it completes on a Vert.x event-loop thread, so move blocking work off it. Do not cancel it or put a shorter
     * timeout on it: the group's request timeout already bounds it at the transport, and an answer dropped by a
     * cancellation may hold a rotated refresh token that is then lost.
     */
    public Uni<RefreshResult> refresh(String providerGroup, Secret refreshToken) {
        GroupClient gc = clients.get(providerGroup);
        if (gc == null) {
            return Uni.createFrom().item(new UnknownGroup(providerGroup));
        }
        ProvidersConfig.Group settings = gc.group().settings();
        long started = System.nanoTime();
        return Uni.createFrom().deferred(() -> gc.client().refreshTokens(refreshToken.reveal()))
                // a backstop only: the request timeout fails the call at the transport long before, unless the
                // endpoint trickles bytes forever
                .ifNoItem().after(backstop(settings)).fail()
                .map(tokens -> refreshed(tokens, Instant.now()))
                .onFailure().recoverWithItem(failure -> classify(gc.group(), failure, Duration.ofNanos(System.nanoTime() - started)))
                .map(result -> sanitize(result, refreshToken, settings.clientSecret()))
                .invoke(result -> LOG.debugf("Provider group %s: %s", providerGroup, result));
    }

    private static Duration backstop(ProvidersConfig.Group settings) {
        return settings.connectTimeout().plus(settings.requestTimeout().multipliedBy(3));
    }

    /** A 200 answer, already checked by {@link TokenEndpointFilter}. */
    private static RefreshResult refreshed(Tokens tokens, Instant now) {
        Instant expiresAt = Optional.ofNullable(tokens.getAccessTokenExpiresAt())
                .map(Instant::ofEpochSecond)
                .orElseGet(() -> now.plus(ASSUMED_LIFETIME));
        Optional<Secret> rotated = Optional.ofNullable(tokens.getRefreshToken())
                .filter(token -> !token.isBlank())
                .map(Secret::of);
        return new Refreshed(Secret.of(tokens.getAccessToken()), rotated, expiresAt,
                Optional.ofNullable(tokens.get("scope")).filter(scope -> !scope.isBlank()),
                Optional.ofNullable(tokens.get("token_type")).filter(type -> !type.isBlank()).orElse("Bearer"));
    }

    private static RefreshResult classify(ProviderGroup group, Throwable failure, Duration elapsed) {
        if (failure instanceof ClassifiedResponse classified) {
            return classified.result();
        }
        Duration requestTimeout = group.settings().requestTimeout();
        if (failure instanceof TimeoutException) {
            return timeout(requestTimeout);
        }
        if (failure instanceof OidcClientException) {
            // no HTTP answer: the oidc client replaces the transport's exception with a bare "OIDC Server is not
            // available" (and logs the cause), so only the time taken tells a timeout from a refused connection
            return elapsed.compareTo(requestTimeout) >= 0
                    ? timeout(requestTimeout)
                    : new Transient(Transient.CONNECT_ERROR, OptionalInt.empty(), Optional.empty(),
                            "token endpoint " + group.tokenEndpoint().getHost() + " unreachable");
        }
        // the type only: a message could quote the provider's answer
        LOG.warnf("Token call of provider group %s failed unexpectedly: %s", group.name(), failure.getClass().getName());
        return new Transient(Transient.UNEXPECTED_ERROR, OptionalInt.empty(), Optional.empty(),
                "unexpected " + failure.getClass().getSimpleName());
    }

    private static Transient timeout(Duration requestTimeout) {
        return new Transient(Transient.TIMEOUT, OptionalInt.empty(), Optional.empty(),
                "no answer within " + requestTimeout.toMillis() + " ms");
    }

    /**
     * A provider may echo what it was sent: the refresh token and the client secret are replaced before a
     * description is cut to length, so not even a prefix of either travels on.
     */
    private static RefreshResult sanitize(RefreshResult result, Secret refreshToken, Secret clientSecret) {
        if (result instanceof GrantRevoked r) {
            return new GrantRevoked(r.errorCode(), sanitize(r.description(), refreshToken, clientSecret), r.httpStatus());
        }
        if (result instanceof ClientRejected r) {
            return new ClientRejected(r.errorCode(), sanitize(r.description(), refreshToken, clientSecret), r.httpStatus());
        }
        if (result instanceof Transient r) {
            return new Transient(r.errorCode(), r.httpStatus(), r.retryAfter(),
                    sanitize(r.description(), refreshToken, clientSecret));
        }
        return result;
    }

    private static String sanitize(String description, Secret... secrets) {
        String text = description;
        for (Secret secret : secrets) {
            if (!secret.isBlank()) {
                text = text.replace(secret.reveal(), REDACTED);
            }
        }
        return TokenResponses.clean(text);
    }

    /** A configured group and its client. */
    private record GroupClient(ProviderGroup group, OidcClient client) {
    }
}
