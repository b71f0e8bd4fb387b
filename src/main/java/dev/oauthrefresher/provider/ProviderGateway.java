package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.common.Transport;
import dev.oauthrefresher.provider.RefreshResult.ClientRejected;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Transient;
import dev.oauthrefresher.provider.RefreshResult.UnknownGroup;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.jboss.logging.Logger;

/**
 * Refreshes tokens at the provider groups' token endpoints over a Vert.x web client per group, built at startup.
 * {@link #refresh} never fails: every outcome, including a timeout or an endpoint that is down, is a
 * {@link RefreshResult}.
 *
 * <p>A refresh request is sent at most once unless it provably never left: a rotating provider may have spent
 * the refresh token on a request whose answer was lost, and sending it again would earn {@code invalid_grant}
 * and lose the grant. So only a refused connection or an unknown host is retried (once); a reset or closed
 * connection is a {@link Transient#CONNECTION_LOST} for the pipeline's backoff. (The oidc client this replaced
 * retried every {@code SocketException}, a reset after sending included, and cannot be told not to.)
 */
@Startup
@ApplicationScoped
public class ProviderGateway implements ProviderGroups {

    private static final Logger LOG = Logger.getLogger(ProviderGateway.class);
    private static final String REDACTED = "[redacted]";

    private final Map<String, GroupClient> clients;

    ProviderGateway(ProvidersConfig config, TokenEndpointsConfig endpoints, Vertx vertx) {
        Map<String, GroupClient> built = new LinkedHashMap<>();
        config.groups().forEach((name, settings) -> {
            ProviderGroup group = ProviderGroup.of(name, settings, endpoints.allowInsecureLoopback());
            WebClient client = WebClient.create(vertx, new WebClientOptions()
                    .setConnectTimeout((int) settings.connectTimeout().toMillis())
                    .setMaxPoolSize(settings.maxConnections())
                    .setKeepAliveTimeout((int) settings.idleConnectionTimeout().getSeconds())
                    .setFollowRedirects(false)
                    .setUserAgent("oauth-refresher"));
            built.put(name, new GroupClient(group, client, TokenResponses.Lifetimes.of(settings)));
            LOG.infof("Provider group %s (%s) refreshes at %s%s", name, settings.type().code(), group.tokenEndpoint(),
                    group.revocationEndpoint().map(uri -> ", revokes at " + uri).orElse(", revokes nowhere"));
        });
        clients = Map.copyOf(built);
    }

    @PreDestroy
    void close() {
        clients.values().forEach(gc -> gc.client().close());
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
     * The longest one call to {@code providerGroup} can take: a connect attempt that is retried once, then the
     * request timeout. Zero for a group that is not configured (nothing is called).
     */
    public Duration worstCase(String providerGroup) {
        GroupClient gc = clients.get(providerGroup);
        return gc == null ? Duration.ZERO : worstCase(gc.group().settings());
    }

    /** {@link #worstCase(String)} of the slowest configured group. */
    public Duration worstCase() {
        return clients.values().stream().map(gc -> worstCase(gc.group().settings()))
                .max(Duration::compareTo).orElse(Duration.ZERO);
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
        return Uni.createFrom().deferred(() -> send(gc, refreshToken))
                // resubscribing sends again: only for a request that never reached the endpoint
                .onFailure(ProviderGateway::neverSent).retry().atMost(1)
                // a backstop only: the request timeout fails the call at the transport long before, unless the
                // endpoint trickles bytes forever
                .ifNoItem().after(backstop(settings)).fail()
                .map(response -> TokenResponses.interpret(response.statusCode(), response.getHeader("Retry-After"),
                        response.bodyAsString(StandardCharsets.UTF_8.name()), Instant.now(), gc.lifetimes()))
                .onFailure().recoverWithItem(failure -> classify(gc.group(), failure, Duration.ofNanos(System.nanoTime() - started)))
                .map(result -> sanitize(result, refreshToken, settings.clientSecret()))
                .invoke(result -> LOG.debugf("Provider group %s: %s", providerGroup, result));
    }

    /** What the hosted consent needs of {@code providerGroup}; empty when no such group is configured. */
    public Optional<ConnectTerms> connectTerms(String providerGroup) {
        return Optional.ofNullable(clients.get(providerGroup)).map(GroupClient::group).map(g -> new ConnectTerms(g.name(),
                g.settings().type(), g.settings().clientId(), g.authorizationEndpoint(), g.defaultScopes(),
                g.authorizationParameters(), g.userinfoEndpoint()));
    }

    /**
     * Exchanges an authorization code (RFC 6749 section 4.1.3, with the PKCE {@code code_verifier} of RFC 7636) at the
     * token endpoint of {@code providerGroup}, under the rule a refresh follows: sent again only if it provably never
     * left (a code is single-use, and a resent one could be refused after the first was honoured). The returned Uni never
     * fails, ends within the group's bounds as a refresh does, and completes on an event-loop thread. An ID token in a
     * successful answer is read for the account ({@link AccountClaims#ofIdToken}).
     */
    public Uni<CodeExchange> exchangeCode(String providerGroup, Secret code, URI redirectUri, Secret verifier) {
        GroupClient gc = clients.get(providerGroup);
        if (gc == null) {
            return Uni.createFrom().item(new CodeExchange(new UnknownGroup(providerGroup), Optional.empty()));
        }
        ProvidersConfig.Group settings = gc.group().settings();
        long started = System.nanoTime();
        StringBuilder form = new StringBuilder(512).append("grant_type=authorization_code&code=")
                .append(formEncode(code.reveal()))
                .append("&redirect_uri=").append(formEncode(redirectUri.toString()))
                .append("&code_verifier=").append(formEncode(verifier.reveal()));
        return Uni.createFrom().deferred(() -> post(gc, form))
                .onFailure(ProviderGateway::neverSent).retry().atMost(1)
                .ifNoItem().after(backstop(settings)).fail()
                .map(response -> {
                    String body = response.bodyAsString(StandardCharsets.UTF_8.name());
                    RefreshResult result = TokenResponses.interpret(response.statusCode(), response.getHeader("Retry-After"),
                            body, Instant.now(), gc.lifetimes());
                    Optional<AccountClaims> account = result instanceof RefreshResult.Refreshed
                            ? TokenResponses.idToken(body).flatMap(idToken ->
                                    AccountClaims.ofIdToken(idToken, settings.clientId(), Instant.now()))
                            : Optional.empty();
                    return new CodeExchange(result, account);
                })
                .onFailure().recoverWithItem(failure -> new CodeExchange(
                        classify(gc.group(), failure, Duration.ofNanos(System.nanoTime() - started)), Optional.empty()))
                .map(exchange -> new CodeExchange(sanitize(exchange.result(), code, verifier, settings.clientSecret()),
                        exchange.account()))
                .invoke(exchange -> LOG.debugf("Provider group %s code exchange: %s", providerGroup, exchange.result()));
    }

    /**
     * Reads who the user is at the userinfo endpoint of {@code providerGroup} (OpenID Connect Core section 5.3), with
     * {@code accessToken} as a bearer token, once. The returned Uni never fails: empty when the group has no userinfo
     * endpoint, or the answer is not a 200 JSON object with a {@code sub}.
     */
    public Uni<Optional<AccountClaims>> userinfo(String providerGroup, Secret accessToken) {
        GroupClient gc = clients.get(providerGroup);
        if (gc == null || gc.group().userinfoEndpoint().isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        ProvidersConfig.Group settings = gc.group().settings();
        return Uni.createFrom().deferred(() -> gc.client().getAbs(gc.group().userinfoEndpoint().get().toString())
                        .timeout(settings.requestTimeout().toMillis())
                        .putHeader("Accept", "application/json")
                        .bearerTokenAuthentication(accessToken.reveal())
                        .send())
                .ifNoItem().after(backstop(settings)).fail()
                .map(response -> response.statusCode() == 200
                        ? TokenResponses.parseObject(response.bodyAsString(StandardCharsets.UTF_8.name())).flatMap(AccountClaims::of)
                        : Optional.<AccountClaims>empty())
                // the failure's kind only: its message could quote what was sent
                .onFailure().recoverWithItem(failure -> {
                    LOG.infof("Userinfo call of provider group %s failed: %s", providerGroup,
                            Transport.classify(failure).name().toLowerCase(Locale.ROOT));
                    return Optional.empty();
                });
    }

    /** Whether {@code providerGroup} is configured and has a revocation endpoint: only then is a disconnect revoked. */
    public boolean revokes(String providerGroup) {
        GroupClient gc = clients.get(providerGroup);
        return gc != null && gc.group().revocationEndpoint().isPresent();
    }

    /**
     * Revokes {@code refreshToken} at the revocation endpoint of {@code providerGroup}, once. The returned Uni never
     * fails and ends within {@link #worstCase(String)}. Unlike a refresh, a revocation may be sent again (revoking twice
     * is harmless), so the caller's queue retries it; this call adds no retry of its own.
     */
    public Uni<RevocationResult> revoke(String providerGroup, Secret refreshToken) {
        GroupClient gc = clients.get(providerGroup);
        if (gc == null || gc.group().revocationEndpoint().isEmpty()) {
            return Uni.createFrom().item(new RevocationResult.Refused("no revocation endpoint for group " + providerGroup));
        }
        ProvidersConfig.Group settings = gc.group().settings();
        String host = gc.group().revocationEndpoint().get().getHost();
        return Uni.createFrom().deferred(() -> sendRevocation(gc, refreshToken))
                .ifNoItem().after(backstop(settings)).fail()
                .map(response -> RevocationResult.interpret(response.statusCode(), response.getHeader("Retry-After"),
                        response.bodyAsString(StandardCharsets.UTF_8.name()), Instant.now()))
                // the failure's kind only: its message could quote what was sent
                .onFailure().recoverWithItem(failure -> new RevocationResult.Retry(
                        "revocation endpoint " + host + ": " + Transport.classify(failure).name().toLowerCase(Locale.ROOT),
                        Optional.empty()))
                .invoke(result -> LOG.debugf("Provider group %s revocation: %s", providerGroup, result));
    }

    /**
     * One POST to the revocation endpoint. Google's takes {@code token} alone and no client authentication (its OAuth
     * guide), so the client secret is not sent there; an RFC 7009 endpoint (section 2.1) gets
     * {@code token_type_hint=refresh_token} and the client authentication the token endpoint gets.
     */
    private static Uni<HttpResponse<Buffer>> sendRevocation(GroupClient gc, Secret refreshToken) {
        ProviderGroup group = gc.group();
        ProvidersConfig.Group settings = group.settings();
        HttpRequest<Buffer> request = gc.client().postAbs(group.revocationEndpoint().orElseThrow().toString())
                .timeout(settings.requestTimeout().toMillis())
                .putHeader("Accept", "application/json");
        StringBuilder form = new StringBuilder(256).append("token=").append(formEncode(refreshToken.reveal()));
        if (settings.type() != Provider.GOOGLE) {
            form.append("&token_type_hint=refresh_token");
            if (settings.clientAuth() == ProvidersConfig.ClientAuth.BASIC) {
                request.basicAuthentication(formEncode(settings.clientId()), formEncode(settings.clientSecret().reveal()));
            } else {
                form.append("&client_id=").append(formEncode(settings.clientId()))
                        .append("&client_secret=").append(formEncode(settings.clientSecret().reveal()));
            }
        }
        return request.putHeader("Content-Type", "application/x-www-form-urlencoded")
                .sendBuffer(Buffer.buffer(form.toString()));
    }

    /** One POST of the refresh-token grant (RFC 6749 section 6) with the group's client authentication. */
    private static Uni<HttpResponse<Buffer>> send(GroupClient gc, Secret refreshToken) {
        ProvidersConfig.Group settings = gc.group().settings();
        // encoded here rather than by sendForm, whose multipart-capable encoder cost ~5% of a refresh's CPU
        StringBuilder form = new StringBuilder(256).append("grant_type=refresh_token&refresh_token=")
                .append(formEncode(refreshToken.reveal()));
        // an empty list would still send an empty scope parameter
        settings.scopes().filter(scopes -> !scopes.isEmpty())
                .ifPresent(scopes -> form.append("&scope=").append(formEncode(String.join(" ", scopes))));
        return post(gc, form);
    }

    /**
     * One POST of a grant's {@code form} to the token endpoint, with the group's client authentication added. The
     * timeout covers the wait for a pooled connection and then for the answer: no answer can arrive after the call was
     * given up (a rotated refresh token in a late answer would be lost).
     */
    private static Uni<HttpResponse<Buffer>> post(GroupClient gc, CharSequence grant) {
        // a copy: a resend (of a request that never left) must not add the client's credentials twice
        StringBuilder form = new StringBuilder(grant);
        ProviderGroup group = gc.group();
        ProvidersConfig.Group settings = group.settings();
        HttpRequest<Buffer> request = gc.client().postAbs(group.tokenEndpoint().toString())
                .timeout(settings.requestTimeout().toMillis())
                .putHeader("Accept", "application/json");
        if (settings.clientAuth() == ProvidersConfig.ClientAuth.BASIC) {
            // RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined and base64-encoded
            request.basicAuthentication(formEncode(settings.clientId()), formEncode(settings.clientSecret().reveal()));
        } else {
            form.append("&client_id=").append(formEncode(settings.clientId()))
                    .append("&client_secret=").append(formEncode(settings.clientSecret().reveal()));
        }
        return request.putHeader("Content-Type", "application/x-www-form-urlencoded")
                .sendBuffer(Buffer.buffer(form.toString()));
    }

    private static String formEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * True only for failures before any byte of the request was written: an unknown host, a connection refused or
     * timed out while connecting ({@link Transport.Failure#nothingSent()}).
     */
    private static boolean neverSent(Throwable failure) {
        return Transport.classify(failure).nothingSent();
    }

    // Sums, not Duration.multipliedBy: this runs for every call, and multipliedBy goes through BigDecimal and BigInteger
    // division (7 of 1,011 service samples in a profile of the zero-latency benchmark under C1)
    private static Duration worstCase(ProvidersConfig.Group settings) {
        return settings.connectTimeout().plus(settings.connectTimeout()).plus(settings.requestTimeout());
    }

    private static Duration backstop(ProvidersConfig.Group settings) {
        return worstCase(settings).plus(settings.requestTimeout()).plus(settings.requestTimeout());
    }

    private static RefreshResult classify(ProviderGroup group, Throwable failure, Duration elapsed) {
        Duration requestTimeout = group.settings().requestTimeout();
        String host = group.tokenEndpoint().getHost();
        Transport.Failure kind = Transport.classify(failure);
        if (kind == Transport.Failure.TIMEOUT) {
            return timeout(requestTimeout);
        }
        if (kind.nothingSent()) {
            return new Transient(Transient.CONNECT_ERROR, OptionalInt.empty(), Optional.empty(),
                    "token endpoint " + host + " unreachable");
        }
        if (elapsed.compareTo(requestTimeout) >= 0) {
            return timeout(requestTimeout);
        }
        // the type only: a message could quote the provider's answer
        LOG.debugf("Token call of provider group %s lost its connection: %s", group.name(), failure.getClass().getName());
        return new Transient(Transient.CONNECTION_LOST, OptionalInt.empty(), Optional.empty(),
                "connection to " + host + " lost (" + failure.getClass().getSimpleName() + "); not resent");
    }

    private static Transient timeout(Duration requestTimeout) {
        return new Transient(Transient.TIMEOUT, OptionalInt.empty(), Optional.empty(),
                "no answer within " + requestTimeout.toMillis() + " ms");
    }

    /**
     * A provider may echo what it was sent: the refresh token and the client secret are replaced before a
     * description is cut to length, so not even a prefix of either travels on.
     */
    private static RefreshResult sanitize(RefreshResult result, Secret... secrets) {
        if (result instanceof GrantRevoked r) {
            return new GrantRevoked(r.errorCode(), sanitize(r.description(), secrets), r.httpStatus());
        }
        if (result instanceof ClientRejected r) {
            return new ClientRejected(r.errorCode(), sanitize(r.description(), secrets), r.httpStatus());
        }
        if (result instanceof Transient r) {
            return new Transient(r.errorCode(), r.httpStatus(), r.retryAfter(),
                    sanitize(r.description(), secrets));
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

    /** A configured group, its client, and the lifetimes its answers are read with. */
    private record GroupClient(ProviderGroup group, WebClient client, TokenResponses.Lifetimes lifetimes) {
    }
}
