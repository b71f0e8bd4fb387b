package dev.oauthrefresher.connect;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.connect.ConnectDtos.ConnectSessionView;
import dev.oauthrefresher.connect.ConnectDtos.CreateConnectSession;
import dev.oauthrefresher.connect.ConnectDtos.RedirectUriList;
import dev.oauthrefresher.connect.ConnectSessionRepository.Session;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.integration.lifecycle.IntegrationService;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.keyring.SealedValueException;
import dev.oauthrefresher.provider.AccountClaims;
import dev.oauthrefresher.provider.CodeExchange;
import dev.oauthrefresher.provider.ConnectTerms;
import dev.oauthrefresher.provider.ProviderGateway;
import dev.oauthrefresher.provider.RefreshResult;
import dev.oauthrefresher.provider.TokenEndpointsConfig;
import dev.oauthrefresher.tenant.TenantService;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.web.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The hosted consent: creates connect sessions for the tenant API, opens them for the user's browser (the redirect to
 * the provider, with {@code state} and PKCE S256) and ends them at the callback (the code exchanged through the provider
 * gateway, the account identified, the grant registered or reconnected through the lifecycle's own paths).
 *
 * <p>Every capability of the flow is 256 random bits kept only as a SHA-256 hash: the session (in the link), the
 * {@code state} (round trip through the provider) and the browser binding (a cookie set when the session is opened and
 * required at the callback, so a code obtained in one browser cannot be finished in another: RFC 6749 section 10.12's
 * CSRF defence, bound to the user agent). The PKCE verifier is sealed with the {@link KeyRing} (one key ring and one
 * format for every secret the database holds). A session opens once and
 * ends once; every way it ends is one {@link Ending} code, and nothing is stored unless it ends connected or
 * reconnected.
 */
@ApplicationScoped
public class ConnectService {

    private static final Logger LOG = Logger.getLogger(ConnectService.class);
    /** Bytes of randomness in a session, a state, a browser binding and a PKCE verifier: 256 bits each. */
    private static final int RANDOM_BYTES = 32;
    /** {@code refresher_connect_sessions_ended_total{outcome}}. */
    static final String ENDED = "refresher.connect.sessions.ended";

    private final ConnectSessionRepository sessions;
    private final RedirectUriRepository redirectUris;
    private final ConnectUrls urls;
    private final ConnectConfig config;
    private final ProviderGateway gateway;
    private final TenantService tenants;
    private final IntegrationRepository integrations;
    private final IntegrationService lifecycle;
    private final KeyRing keyRing;
    private final TokenEndpointsConfig endpoints;
    private final AuditLog audit;
    private final MeterRegistry registry;
    // per instance, never static: a native image would freeze a static generator's seed into every pod
    private final SecureRandom random = new SecureRandom();

    ConnectService(ConnectSessionRepository sessions, RedirectUriRepository redirectUris, ConnectUrls urls,
            ConnectConfig config, ProviderGateway gateway, TenantService tenants, IntegrationRepository integrations,
            IntegrationService lifecycle, KeyRing keyRing, TokenEndpointsConfig endpoints, AuditLog audit,
            MeterRegistry registry) {
        this.sessions = sessions;
        this.redirectUris = redirectUris;
        this.urls = urls;
        this.config = config;
        this.gateway = gateway;
        this.tenants = tenants;
        this.integrations = integrations;
        this.lifecycle = lifecycle;
        this.keyRing = keyRing;
        this.endpoints = endpoints;
        this.audit = audit;
        this.registry = registry;
    }

    // ---- the tenant API ----

    /**
     * Creates a session for the key's tenant, after every check a caller can fail: the group (configured, allowed to
     * the tenant, with an authorization endpoint), the redirect URI (exactly one of the tenant's), the scopes, the
     * integration to reconnect (the tenant's, in this group, whatever its status).
     */
    @Transactional
    public ConnectSessionView create(String tenantId, String actor, CreateConnectSession request) {
        if (!urls.enabled()) {
            throw ProblemException.notFound("Connect sessions are not enabled on this service (" + ConnectUrls.PUBLIC_URL
                    + " is not set).");
        }
        ConnectTerms terms = usableGroup(tenantId, request.providerGroup());
        if (!redirectUris.contains(tenantId, request.redirectUri())) {
            throw ProblemException.invalidField("redirectUri", "is not one of this tenant's redirect URIs (exact match; "
                    + "the operator manages them at /admin/tenants/{id}/redirect-uris)");
        }
        List<String> scopes = request.scopes() != null ? List.copyOf(new LinkedHashSet<>(request.scopes()))
                : terms.defaultScopes();
        if (scopes.isEmpty()) {
            throw ProblemException.invalidField("scopes", "is required: provider group '" + terms.group()
                    + "' has no default scopes (refresher.providers." + terms.group() + ".default-scopes)");
        }
        Optional<UUID> reconnect = Optional.ofNullable(request.integrationId());
        reconnect.ifPresent(id -> {
            Integration integration = integrations.findForTenant(tenantId, id).orElseThrow(() -> ProblemException
                    .invalidField("integrationId", "is not an integration of this tenant"));
            if (!integration.providerGroup().equals(terms.group())) {
                throw ProblemException.invalidField("integrationId", "is an integration of another provider group ('"
                        + integration.providerGroup() + "')");
            }
        });
        String token = randomToken();
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        Instant expiresAt = now.plus(config.sessionLifetime());
        sessions.insert(id, sha256(token), tenantId, terms.group(), String.join(" ", scopes), request.redirectUri(),
                reconnect, Optional.ofNullable(request.loginHint()), actor, now, expiresAt);
        audit.recordAs(actor, "connect.session.create", tenantId, reconnect.orElse(null),
                "session " + id + ", group " + terms.group() + reconnect.map(r -> ", reconnect").orElse(""));
        return new ConnectSessionView(token, urls.session(token).toString(), expiresAt);
    }

    /**
     * The group's terms, if the tenant may use it for a connect session. An unknown group and one left out of the
     * tenant's allow-list get one answer, as registration gives (a caller learns nothing about which groups exist);
     * a group the tenant may use but that has no authorization endpoint is named with the setting it lacks.
     */
    private ConnectTerms usableGroup(String tenantId, String group) {
        boolean allowed = tenants.mayUseProviderGroup(tenantId, group);
        Optional<ConnectTerms> terms = gateway.connectTerms(group);
        if (terms.isEmpty() || !allowed) {
            LOG.infof("Connect session for tenant '%s' refused provider group '%s': %s", tenantId, group,
                    terms.isEmpty() ? "no such group is configured" : "not in the tenant's allow-list");
            throw ProblemException.invalidField("providerGroup", "is not a provider group that this tenant may use");
        }
        if (terms.get().authorizationEndpoint().isEmpty()) {
            throw ProblemException.invalidField("providerGroup", "provider group '" + group + "' cannot be used for "
                    + "connect sessions: it has no authorization endpoint (" + terms.get().authorizationEndpointKey() + ")");
        }
        return terms.get();
    }

    // ---- the operator's allow-list ----

    /** The operator's read of the tenant's redirect URIs, audited. */
    @Transactional
    public RedirectUriList redirectUris(String tenantId) {
        tenants.require(tenantId);
        List<String> uris = redirectUris.list(tenantId);
        audit.record("tenant.redirect-uris.get", tenantId, null, null);
        return new RedirectUriList(uris);
    }

    /**
     * Replaces the tenant's redirect URIs (empty: no connect sessions), audited with the count before and after. Each
     * must be an absolute {@code https://} URI without fragment or user info (RFC 6749 section 3.1.2); plain
     * {@code http://} only to a loopback address under {@code refresher.token-endpoints.allow-insecure-loopback}.
     */
    @Transactional
    public RedirectUriList setRedirectUris(String tenantId, RedirectUriList request) {
        tenants.require(tenantId);
        for (int i = 0; i < request.redirectUris().size(); i++) {
            checkRedirectUri("redirectUris[" + i + "]", request.redirectUris().get(i));
        }
        List<String> before = redirectUris.list(tenantId);
        List<String> after = List.copyOf(new TreeSet<>(request.redirectUris()));
        redirectUris.replace(tenantId, after);
        audit.record("tenant.redirect-uris.update", tenantId, null, before.size() + " -> " + after.size() + " URIs");
        return new RedirectUriList(after);
    }

    private void checkRedirectUri(String field, String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw ProblemException.invalidField(field, "is not a URI");
        }
        if (!uri.isAbsolute() || uri.getHost() == null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw ProblemException.invalidField(field, "must be an absolute URI with a host, without fragment or user info");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !endpoints.allowsInsecure(uri)) {
            throw ProblemException.invalidField(field, "must be https (plain http only to a loopback address, and only "
                    + "with refresher.token-endpoints.allow-insecure-loopback)");
        }
    }

    // ---- the user's browser ----

    /** Where the browser goes next, and what it is told on the way. */
    sealed interface Step {
        /** A 302 to {@code location}, setting or clearing the browser binding. */
        record Redirect(URI location, Optional<String> setBinding, boolean clearBinding) implements Step {
        }

        /** No safe place to send the browser: a plain page with this status and message. */
        record Page(int status, String message) implements Step {
        }
    }

    /**
     * Opens the session the link carries: once, before it expires. The browser is sent to the provider, bound to
     * this session by a cookie; a used or expired session sends it back to the app's redirect URI with the error;
     * an unknown one gets a page (no redirect URI can be trusted for it).
     */
    public Step open(String sessionToken) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<Session> found = wellFormed(sessionToken) ? sessions.lockBySession(sha256(sessionToken)) : Optional.empty();
            if (found.isEmpty()) {
                return new Step.Page(404, "This sign-in link is not valid. Go back to the application and start again.");
            }
            Session session = found.get();
            Instant now = Instant.now();
            if (session.ended() || session.opened()) {
                // the session stays as it is: a second opening must not break the consent the first one is running
                return back(session, Ending.SESSION_USED, false);
            }
            if (session.expiredAt(now)) {
                return end(session, Ending.SESSION_EXPIRED, now, false);
            }
            Optional<ConnectTerms> terms = gateway.connectTerms(session.providerGroup())
                    .filter(t -> t.authorizationEndpoint().isPresent());
            if (terms.isEmpty()) {
                return end(session, Ending.PROVIDER_UNAVAILABLE, now, false);
            }
            String state = randomToken();
            String browser = randomToken();
            Secret verifier = Secret.of(randomToken());
            KeyRing.Sealed sealed = keyRing.seal(session.id(), verifier);
            if (!sessions.open(session.id(), sha256(state), sha256(browser), sealed.value(), sealed.keyId(), now)) {
                return back(session, Ending.SESSION_USED, false);
            }
            LOG.infof("Connect session %s (tenant '%s', group %s) opened", session.id(), session.tenantId(),
                    session.providerGroup());
            return new Step.Redirect(authorizationUrl(terms.get(), session, state, verifier), Optional.of(browser), false);
        });
    }

    /** The authorization request (RFC 6749 section 4.1.1, RFC 7636 section 4.3), the group's extra parameters last. */
    private URI authorizationUrl(ConnectTerms terms, Session session, String state, Secret verifier) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", terms.clientId());
        query.put("redirect_uri", urls.callback().toString());
        query.put("scope", session.scopes());
        query.put("state", state);
        query.put("code_challenge", Base64.getUrlEncoder().withoutPadding()
                .encodeToString(digest(verifier.reveal().getBytes(StandardCharsets.US_ASCII))));
        query.put("code_challenge_method", "S256");
        session.loginHint().ifPresent(hint -> query.put("login_hint", hint));
        terms.authorizationParameters().forEach(query::putIfAbsent);
        return withQuery(terms.authorizationEndpoint().orElseThrow().toString(), query);
    }

    /** What the provider's redirect brought back: the query parameters and the browser's binding cookie. */
    record Callback(Optional<String> state, Optional<String> code, Optional<String> error, Optional<String> binding) {

        @Override
        public String toString() {
            return "Callback[redacted]";
        }
    }

    /**
     * Ends the session the callback's {@code state} names: checks it (known, not ended, not expired, same browser, no
     * provider error), takes its code once (the session ends as {@code exchanging} first, so a replayed callback
     * finds it ended), exchanges it, identifies the account, and registers or reconnects. Whatever the outcome the
     * browser goes back to the app's redirect URI, except for an unknown state (a page).
     */
    public Step callback(Callback callback) {
        Instant now = Instant.now();
        Optional<Taken> taken = QuarkusTransaction.requiringNew().call(() -> take(callback, now));
        if (taken.isEmpty() || taken.get().refusal().isPresent()) {
            return taken.map(t -> t.refusal().get())
                    .orElseGet(() -> new Step.Page(400, "This sign-in did not start here, or its link is no longer "
                            + "valid. Go back to the application and start again."));
        }
        Session session = taken.get().session();
        Finished finished;
        try {
            finished = finish(session, callback.code().orElseThrow(), taken.get().verifier());
        } catch (RuntimeException e) {
            // the type only: a message could quote what the provider or the store said
            LOG.warnf("Connect session %s (tenant '%s', group %s) failed: %s", session.id(), session.tenantId(),
                    session.providerGroup(), e.getClass().getSimpleName());
            finished = new Finished(Ending.SERVER_ERROR, session.integrationId());
        }
        Finished result = finished;
        QuarkusTransaction.requiringNew().run(() -> sessions.settle(session.id(), result.ending().code()));
        ended(result.ending());
        LOG.infof("Connect session %s (tenant '%s', group %s) ended: %s%s", session.id(), session.tenantId(),
                session.providerGroup(), result.ending().code(),
                result.integrationId().map(id -> " (integration " + id + ")").orElse(""));
        return redirect(session, result.ending(), result.integrationId(), true);
    }

    /** A session whose code this callback took, with its verifier; or the step that refused it. */
    private record Taken(Session session, Secret verifier, Optional<Step> refusal) {
    }

    private Optional<Taken> take(Callback callback, Instant now) {
        Optional<Session> found = callback.state().filter(ConnectService::wellFormed)
                .flatMap(state -> sessions.lockByState(sha256(state)));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Session session = found.get();
        if (session.ended()) {
            return refused(session, back(session, Ending.SESSION_USED, true));
        }
        if (session.expiredAt(now)) {
            return refused(session, end(session, Ending.SESSION_EXPIRED, now, true));
        }
        boolean sameBrowser = callback.binding().filter(ConnectService::wellFormed)
                .map(binding -> MessageDigest.isEqual(sha256(binding), session.browserHash())).orElse(false);
        if (!sameBrowser) {
            return refused(session, end(session, Ending.STATE_MISMATCH, now, true));
        }
        if (callback.error().isPresent()) {
            Ending ending = "access_denied".equals(callback.error().get()) ? Ending.ACCESS_DENIED : Ending.AUTHORIZATION_FAILED;
            return refused(session, end(session, ending, now, true));
        }
        if (callback.code().filter(code -> !code.isBlank() && code.length() <= 4096).isEmpty()) {
            return refused(session, end(session, Ending.AUTHORIZATION_FAILED, now, true));
        }
        Optional<Secret> verifier = Optional.ofNullable(session.verifierSealed()).flatMap(sealed -> opened(session.id(), sealed));
        if (verifier.isEmpty()) {
            // sealed under a key this ring no longer has (or altered): the code cannot be redeemed
            return refused(session, end(session, Ending.SERVER_ERROR, now, true));
        }
        sessions.end(session.id(), "exchanging", now);
        return Optional.of(new Taken(session, verifier.get(), Optional.empty()));
    }

    private Optional<Secret> opened(UUID id, byte[] sealed) {
        try {
            return Optional.of(keyRing.openSecret(id, sealed));
        } catch (SealedValueException e) {
            LOG.warnf("Connect session %s: its PKCE verifier could not be opened (%s)", id, e.getClass().getSimpleName());
            return Optional.empty();
        }
    }

    private static Optional<Taken> refused(Session session, Step step) {
        return Optional.of(new Taken(session, null, Optional.of(step)));
    }

    /** How a taken session finished, and the integration it concerns, if any. */
    private record Finished(Ending ending, Optional<UUID> integrationId) {
    }

    /** The code exchanged, the account identified, the grant stored: no transaction is held across the remote calls. */
    private Finished finish(Session session, String code, Secret verifier) {
        // never fails, and bounded by the group's timeouts at the transport (ProviderGateway): no timeout of our own
        CodeExchange exchange = gateway.exchangeCode(session.providerGroup(), Secret.of(code), urls.callback(), verifier)
                .await().indefinitely();
        if (!(exchange.result() instanceof RefreshResult.Refreshed granted)) {
            LOG.infof("Connect session %s: the code exchange failed: %s", session.id(), exchange.result());
            return new Finished(exchange.result() instanceof RefreshResult.Transient
                    || exchange.result() instanceof RefreshResult.UnknownGroup
                    ? Ending.PROVIDER_UNAVAILABLE : Ending.EXCHANGE_FAILED, session.integrationId());
        }
        if (granted.rotatedRefreshToken().isEmpty()) {
            return new Finished(Ending.NO_REFRESH_TOKEN, session.integrationId());
        }
        Optional<AccountClaims> account = exchange.account().isPresent() && scopes(session).contains("openid")
                ? exchange.account()
                // bounded like the exchange; never fails
                : gateway.userinfo(session.providerGroup(), granted.accessToken()).await().indefinitely();
        if (account.isEmpty()) {
            return new Finished(Ending.ACCOUNT_UNKNOWN, session.integrationId());
        }
        TokenSet tokens = new TokenSet(granted.accessToken(), granted.rotatedRefreshToken().get(), granted.expiresAt(),
                granted.scope(), granted.tokenType());
        String externalAccount = account.get().externalAccount();
        Optional<Integration> target = QuarkusTransaction.requiringNew().call(() -> session.integrationId().isPresent()
                ? integrations.findForTenant(session.tenantId(), session.integrationId().get())
                : gateway.connectTerms(session.providerGroup()).flatMap(terms ->
                        integrations.findByAccount(session.tenantId(), terms.type(), externalAccount)));
        if (session.integrationId().isPresent() && target.isEmpty()) {
            return new Finished(Ending.INTEGRATION_NOT_FOUND, session.integrationId());
        }
        if (target.isPresent() && !target.get().externalAccount().equals(externalAccount)) {
            return new Finished(Ending.WRONG_ACCOUNT, session.integrationId());
        }
        if (target.isPresent() && !target.get().providerGroup().equals(session.providerGroup())) {
            return new Finished(Ending.ACCOUNT_IN_OTHER_GROUP, Optional.empty());
        }
        try {
            if (target.isPresent()) {
                lifecycle.reconnectConnected(session.createdBy(), session.tenantId(), target.get().id(), tokens);
                return new Finished(Ending.RECONNECTED, Optional.of(target.get().id()));
            }
            ConnectTerms terms = gateway.connectTerms(session.providerGroup()).orElseThrow();
            // bounded by the token store's caller wait inside the registration; never awaited with a timeout of ours
            UUID created = lifecycle.connect(session.createdBy(), session.tenantId(), terms.type(), session.providerGroup(),
                    externalAccount, tokens).await().indefinitely().id();
            return new Finished(Ending.CONNECTED, Optional.of(created));
        } catch (ProblemException e) {
            LOG.infof("Connect session %s: the integration was not %s: %s %s", session.id(),
                    target.isPresent() ? "reconnected" : "registered", e.status(), e.type());
            return new Finished(e.status() == 400 ? Ending.NOT_ALLOWED : Ending.TEMPORARILY_UNAVAILABLE,
                    session.integrationId());
        }
    }

    private static List<String> scopes(Session session) {
        return Arrays.asList(session.scopes().split(" "));
    }

    // ---- endings ----

    /** Ends the session with {@code ending} (if it had not ended) and sends the browser back with it. */
    private Step end(Session session, Ending ending, Instant now, boolean clearBinding) {
        if (sessions.end(session.id(), ending.code(), now)) {
            ended(ending);
        }
        LOG.infof("Connect session %s (tenant '%s', group %s) ended: %s", session.id(), session.tenantId(),
                session.providerGroup(), ending.code());
        return redirect(session, ending, session.integrationId(), clearBinding);
    }

    /** Sends the browser back with {@code ending}, leaving the session as it is. */
    private Step back(Session session, Ending ending, boolean clearBinding) {
        LOG.infof("Connect session %s (tenant '%s', group %s) refused: %s", session.id(), session.tenantId(),
                session.providerGroup(), ending.code());
        return redirect(session, ending, session.integrationId(), clearBinding);
    }

    /**
     * The app's redirect URI (one of the tenant's, checked when the session was created) with {@code integration_id}
     * when there is one, and {@code outcome} or {@code error}: never a code, a token or the state.
     */
    private static Step redirect(Session session, Ending ending, Optional<UUID> integrationId, boolean clearBinding) {
        Map<String, String> query = new LinkedHashMap<>();
        integrationId.ifPresent(id -> query.put("integration_id", id.toString()));
        query.put(ending.success() ? "outcome" : "error", ending.code());
        return new Step.Redirect(withQuery(session.redirectUri(), query), Optional.empty(), clearBinding);
    }

    private static URI withQuery(String base, Map<String, String> parameters) {
        String query = parameters.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return URI.create(base + (base.contains("?") ? "&" : "?") + query);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** One session ended, counted by how: the outcomes are the closed set of {@link Ending}. */
    private void ended(Ending ending) {
        Counter.builder(ENDED).description("Connect sessions ended, by outcome (connected, reconnected or the error code)")
                .tag("outcome", ending.code()).register(registry).increment();
    }

    // ---- randomness and hashes ----

    private String randomToken() {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** 32 bytes in unpadded base64url are 43 characters: anything else was not made here, and is not looked up. */
    private static boolean wellFormed(String token) {
        return token != null && token.length() == 43 && token.chars().allMatch(c -> Character.isLetterOrDigit(c)
                && c < 128 || c == '-' || c == '_');
    }

    private static byte[] sha256(String token) {
        return digest(token.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** How long the browser binding cookie may live: the session's lifetime at most. */
    Duration bindingLifetime() {
        return config.sessionLifetime();
    }

    /** Whether the binding cookie is {@code Secure}. */
    boolean secureCookies() {
        return urls.secure();
    }
}
