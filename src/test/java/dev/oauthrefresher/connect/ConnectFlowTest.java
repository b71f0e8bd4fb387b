package dev.oauthrefresher.connect;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.oauthrefresher.testsupport.TenantKeys.ADMIN;
import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.nimbusds.jose.JOSEObjectType;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.MockOAuthServerResource;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.WireMockTokenEndpointResource;
import dev.oauthrefresher.tokenstore.InMemoryTokenStore;
import dev.oauthrefresher.tokenstore.LocatedTokenStore;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hosted consent end to end against a real authorization server that runs the code flow with PKCE
 * (mock-oauth2-server: its {@code /authorize} answers at once with a code, its token endpoint checks the
 * {@code code_verifier} against the S256 challenge and issues a rotating refresh token). The browser is played step by
 * step with redirects not followed: the service's own URLs (under {@link FakePeersProfile#CONNECT_PUBLIC_URL}) are
 * replayed on the test port, as a reverse proxy would.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class ConnectFlowTest {

    static final String GROUP = MockOAuthServerResource.GROUP;
    static final String APP = "https://app.example.test/integrations/done";

    static LogCapture logs;
    /** Everything secret the flows saw: none may show in a log. */
    static final List<String> secrets = new CopyOnWriteArrayList<>();

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @Inject
    dev.oauthrefresher.keyring.KeyRing keyRing;

    @TestHTTPResource("/")
    URI local;

    final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void captureLogs() {
        logs = LogCapture.install();
    }

    @AfterAll
    static void releaseLogs() {
        logs.close();
    }

    @AfterEach
    void shouldNotLogAnyCodeStateSessionOrToken() {
        logs.assertContainsNone(secrets);
    }

    // ---- the happy paths ----

    @Test
    void shouldConnectAnAccountIntoAnActiveIntegrationWhoseRefreshWorks() throws Exception {
        Tenant tenant = tenant("connect");
        String account = "ada-" + UUID.randomUUID() + "@example.com";

        Map<String, Object> created = create(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP,
                "loginHint", account)).then().statusCode(201).header("Cache-Control", "no-store")
                .extract().jsonPath().getMap("");
        String sessionUrl = (String) created.get("url");
        assertThat(sessionUrl).startsWith(FakePeersProfile.CONNECT_PUBLIC_URL + "/connect/").endsWith((String) created.get("id"));
        assertThat(Instant.parse((String) created.get("expiresAt"))).isBetween(Instant.now().plusSeconds(540),
                Instant.now().plusSeconds(610));

        Opened opened = open(sessionUrl);
        Map<String, String> authorize = query(opened.authorize());
        assertThat(opened.authorize().toString()).startsWith(
                MockOAuthServerResource.server().authorizationEndpointUrl(MockOAuthServerResource.ISSUER).toString());
        assertThat(authorize).containsEntry("response_type", "code").containsEntry("client_id", MockOAuthServerResource.CLIENT_ID)
                .containsEntry("redirect_uri", FakePeersProfile.CONNECT_PUBLIC_URL + "/connect/callback")
                .containsEntry("scope", "openid").containsEntry("code_challenge_method", "S256")
                .containsEntry("login_hint", account).containsKeys("state", "code_challenge");
        assertThat(authorize.get("code_challenge")).hasSize(43);

        URI back = consent(opened, account);

        Map<String, String> outcome = query(back);
        assertThat(back.toString()).startsWith(APP + "?");
        assertThat(outcome).containsEntry("outcome", "connected").containsOnlyKeys("outcome", "integration_id");
        UUID id = UUID.fromString(outcome.get("integration_id"));
        assertThat(seeder.column(id, "status")).isEqualTo("active");
        assertThat(seeder.column(id, "external_account")).isEqualTo(account);
        assertThat(seeder.column(id, "provider_group")).isEqualTo(GROUP);
        TokenSet stored = stored(id);
        assertThat(stored.refreshToken().reveal()).isNotBlank();
        assertThat(seeder.count("SELECT count(*) FROM webhook_event WHERE integration_id = :i AND type = "
                + "'integration.connected'", Map.of("i", id))).isEqualTo(1);
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE integration_id = :i AND action = 'integration.connect' "
                + "AND actor LIKE 'api-key:%'", Map.of("i", id))).isEqualTo(1);

        // the grant is the server's real one: it refreshes, and the server rotates it
        refresh(tenant, id);
        assertThat(stored(id).refreshToken().reveal()).isNotEqualTo(stored.refreshToken().reveal());
    }

    @Test
    void shouldReconnectAnExpiredIntegrationWithTheNewGrantAsItsWebhookSays() throws Exception {
        Tenant tenant = tenant("reconnect");
        String account = "grace-" + UUID.randomUUID() + "@example.com";
        UUID id = connected(tenant, account);
        // the grant dies at the server (its refresh token spent elsewhere), and the next refresh finds out
        spend(stored(id).refreshToken().reveal());
        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant.id(), id)
                .then().statusCode(200).body("outcome", equalTo("expired"));
        String payload = (String) seeder.scalar("SELECT payload FROM webhook_event WHERE integration_id = :i AND type = "
                + "'integration.expired'", Map.of("i", id));
        Map<String, Object> reconnect = io.restassured.path.json.JsonPath.from(payload).getMap("data.reconnect");
        assertThat(reconnect).containsEntry("method", "POST").containsEntry("path", "/v1/connect-sessions")
                .containsEntry("body", Map.of("integrationId", id.toString()));

        Map<String, Object> body = new HashMap<>(Map.of("providerGroup", GROUP, "redirectUri", APP));
        @SuppressWarnings("unchecked")
        Map<String, Object> hinted = (Map<String, Object>) reconnect.get("body");
        body.putAll(hinted);
        URI back = consent(open(sessionUrl(tenant, body)), account);

        assertThat(query(back)).containsEntry("outcome", "reconnected").containsEntry("integration_id", id.toString());
        assertThat(seeder.column(id, "status")).isEqualTo("active");
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t", Map.of("t", tenant.id()))).isEqualTo(1);
        assertThat(seeder.count("SELECT count(*) FROM webhook_event WHERE integration_id = :i AND type = "
                + "'integration.reconnected'", Map.of("i", id))).isEqualTo(1);
        refresh(tenant, id);
    }

    @Test
    void shouldEndInExchangeFailedWhenTheVerifierDoesNotMatchTheChallenge() throws Exception {
        Tenant tenant = tenant("pkce");
        Nothing nothing = nothingYet(tenant);
        Opened opened = open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP)));
        UUID session = (UUID) seeder.scalar("SELECT id FROM connect_session WHERE tenant_id = :t", Map.of("t", tenant.id()));
        // another verifier, sealed as the service seals: the server must refuse it against the S256 challenge it holds
        seeder.sql("UPDATE connect_session SET verifier_sealed = :v WHERE id = :s", Map.of("s", session,
                "v", keyRing.seal(session, dev.oauthrefresher.common.Secret.of("x".repeat(43))).value()));

        URI back = callback(authorizeAt(opened).getRawQuery(), Optional.of(opened.binding()));

        assertThat(query(back)).containsExactly(Map.entry("error", "exchange_failed"));
        stillNothing(nothing);
    }

    @Test
    void shouldReconnectTheTenantsExistingIntegrationForTheSameAccountWithoutNamingIt() throws Exception {
        Tenant tenant = tenant("sameaccount");
        String account = "linus-" + UUID.randomUUID() + "@example.com";
        UUID id = connected(tenant, account);

        URI back = consent(open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP))), account);

        assertThat(query(back)).containsEntry("outcome", "reconnected").containsEntry("integration_id", id.toString());
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t", Map.of("t", tenant.id()))).isEqualTo(1);
    }

    // ---- every error path: a redirect with its error, nothing stored ----

    @Test
    void shouldSendTheUserBackWithAccessDeniedWhenConsentIsRefused() throws Exception {
        Tenant tenant = tenant("denied");
        Nothing nothing = nothingYet(tenant);
        Opened opened = open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP)));

        URI back = callback("error=access_denied&error_description=The+user+said+no&state="
                + query(opened.authorize()).get("state"), Optional.of(opened.binding()));

        assertThat(query(back)).containsExactly(Map.entry("error", "access_denied"));
        stillNothing(nothing);
        assertThat(dev.oauthrefresher.testsupport.Management.given().get("/q/metrics").then().statusCode(200).extract()
                .asString()).contains("refresher_connect_sessions_ended_total{outcome=\"access_denied\"}");
    }

    @Test
    void shouldRefuseACallbackFromAnotherBrowserAsAStateMismatch() throws Exception {
        Tenant tenant = tenant("mismatch");
        Nothing nothing = nothingYet(tenant);
        Opened opened = open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP)));
        URI atProvider = authorizeAt(opened);

        URI withoutCookie = callback(atProvider.getRawQuery(), Optional.empty());
        assertThat(query(withoutCookie)).containsExactly(Map.entry("error", "state_mismatch"));
        // the session ended with it: the right browser coming later is too late
        URI rightBrowserLater = callback(atProvider.getRawQuery(), Optional.of(opened.binding()));
        assertThat(query(rightBrowserLater)).containsExactly(Map.entry("error", "session_used"));
        stillNothing(nothing);
    }

    @Test
    void shouldShowAPlainUnframablePageForAnUnknownStateOrSession() throws Exception {
        for (String path : List.of("/connect/callback?code=some-code&state=" + "A".repeat(43), "/connect/callback",
                "/connect/" + "B".repeat(43), "/connect/not-a-session")) {
            HttpResponse<String> page = get(local.resolve(path), Optional.empty());
            assertThat(page.statusCode()).as(path).isIn(400, 404);
            assertThat(page.headers().firstValue("Location")).as(path).isEmpty();
            assertThat(page.headers().firstValue("Content-Type")).as(path).get().asString().startsWith("text/html");
            assertThat(page.headers().firstValue("Cache-Control")).as(path).contains("no-store");
            assertThat(page.headers().firstValue("X-Frame-Options")).as(path).contains("DENY");
            assertThat(page.headers().firstValue("Content-Security-Policy")).as(path).get().asString()
                    .contains("frame-ancestors 'none'");
            assertThat(page.body()).as(path).contains("start again").doesNotContain("some-code");
        }
    }

    @Test
    void shouldUseASessionOnceOnly() throws Exception {
        Tenant tenant = tenant("once");
        String account = "once-" + UUID.randomUUID() + "@example.com";
        String sessionUrl = sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP));
        Opened opened = open(sessionUrl);

        HttpResponse<String> again = get(local(URI.create(sessionUrl)), Optional.empty());
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(query(URI.create(again.headers().firstValue("Location").orElseThrow())))
                .containsExactly(Map.entry("error", "session_used"));

        URI atProvider = authorizeAt(opened);
        enqueueAccount(account);
        URI first = callback(atProvider.getRawQuery(), Optional.of(opened.binding()));
        assertThat(query(first)).containsEntry("outcome", "connected");
        URI replay = callback(atProvider.getRawQuery(), Optional.of(opened.binding()));
        assertThat(query(replay)).containsExactly(Map.entry("error", "session_used"));
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t", Map.of("t", tenant.id()))).isEqualTo(1);
    }

    @Test
    void shouldExchangeACodeOnceWhenTheCallbackArrivesTwiceAtOnce() throws Exception {
        Tenant tenant = tenant("race");
        String account = "race-" + UUID.randomUUID() + "@example.com";
        Opened opened = open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP)));
        URI atProvider = authorizeAt(opened);
        enqueueAccount(account);

        List<Map<String, String>> landed = dev.oauthrefresher.testsupport.Concurrently.run(4,
                () -> query(callback(atProvider.getRawQuery(), Optional.of(opened.binding()))));

        assertThat(landed).filteredOn(q -> "connected".equals(q.get("outcome"))).hasSize(1);
        assertThat(landed).filteredOn(q -> "session_used".equals(q.get("error"))).hasSize(3);
        assertThat(integrations(tenant)).isEqualTo(1);
    }

    @Test
    void shouldRefuseASessionAfterItExpired() throws Exception {
        Tenant tenant = tenant("expired");
        Nothing nothing = nothingYet(tenant);
        String unopened = sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP));
        Opened opened = open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP)));
        URI atProvider = authorizeAt(opened);
        seeder.sql("UPDATE connect_session SET expires_at = now() - interval '1 second' WHERE tenant_id = :t",
                Map.of("t", tenant.id()));

        HttpResponse<String> late = get(local(URI.create(unopened)), Optional.empty());
        assertThat(query(URI.create(late.headers().firstValue("Location").orElseThrow())))
                .containsExactly(Map.entry("error", "session_expired"));
        URI lateCallback = callback(atProvider.getRawQuery(), Optional.of(opened.binding()));
        assertThat(query(lateCallback)).containsExactly(Map.entry("error", "session_expired"));
        stillNothing(nothing);
    }

    @Test
    void shouldRefuseAReconnectWithAnotherAccountStoringNothing() throws Exception {
        Tenant tenant = tenant("wrongaccount");
        String account = "alan-" + UUID.randomUUID() + "@example.com";
        UUID id = connected(tenant, account);
        seeder.sql("UPDATE integration SET status = 'expired' WHERE id = :i", Map.of("i", id));
        String refreshToken = stored(id).refreshToken().reveal();
        Nothing nothing = nothingYet(tenant);

        URI back = consent(open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP,
                "integrationId", id.toString()))), "someone-else-" + UUID.randomUUID() + "@example.com");

        assertThat(query(back)).containsEntry("error", "wrong_account").containsEntry("integration_id", id.toString());
        assertThat(seeder.column(id, "status")).isEqualTo("expired");
        assertThat(stored(id).refreshToken().reveal()).isEqualTo(refreshToken);
        stillNothing(nothing);
    }

    @Test
    void shouldRefuseAGrantWithoutARefreshTokenStoringNothing() throws Exception {
        String group = WireMockTokenEndpointResource.GOOGLE;
        Tenant tenant = tenant("norefresh");
        Nothing nothing = nothingYet(tenant);
        String idToken = unsignedIdToken(WireMockTokenEndpointResource.clientId(group), "1066", "ada@example.com");
        WireMockTokenEndpointResource.server().stubFor(post(urlPathEqualTo(WireMockTokenEndpointResource.path(group)))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"access_token\":\"ya29.no-refresh-access-token-3f1c\",\"expires_in\":3599,"
                                + "\"token_type\":\"Bearer\",\"scope\":\"openid email\",\"id_token\":\"" + idToken + "\"}")));
        secrets.add("ya29.no-refresh-access-token-3f1c");

        Opened opened = open(sessionUrl(tenant, Map.of("providerGroup", group, "redirectUri", APP)));

        // Google's preset: its endpoint, offline access with a fresh consent, default scopes naming the account
        assertThat(opened.authorize().toString()).startsWith("https://accounts.google.com/o/oauth2/v2/auth?");
        assertThat(query(opened.authorize())).containsEntry("access_type", "offline").containsEntry("prompt", "consent")
                .containsEntry("include_granted_scopes", "true").containsEntry("scope", "openid email");
        String code = "4/0AQlEd8-fake-google-code-" + UUID.randomUUID();
        secrets.add(code);
        URI back = callback("code=" + code + "&state=" + query(opened.authorize()).get("state"), Optional.of(opened.binding()));

        assertThat(query(back)).containsExactly(Map.entry("error", "no_refresh_token"));
        stillNothing(nothing);
        Map<String, String> sent = WireMockTokenEndpointResource.form(WireMockTokenEndpointResource.server()
                .findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                        urlPathEqualTo(WireMockTokenEndpointResource.path(group)))).get(0).getBodyAsString());
        assertThat(sent).containsEntry("grant_type", "authorization_code").containsEntry("code", code)
                .containsEntry("redirect_uri", FakePeersProfile.CONNECT_PUBLIC_URL + "/connect/callback")
                .containsKey("code_verifier");
    }

    @Test
    void shouldReadTheAccountAtTheUserinfoEndpointWithoutOpenidAndAuthenticateTheExchangeAsTheGroupSays() throws Exception {
        String group = WireMockTokenEndpointResource.BASIC;
        Tenant tenant = tenant("userinfo");
        String account = "hopper-" + UUID.randomUUID() + "@example.com";
        var wm = WireMockTokenEndpointResource.server();
        wm.stubFor(post(urlPathEqualTo(WireMockTokenEndpointResource.path(group))).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"userinfo-access-token-81d2\",\"refresh_token\":\"userinfo-refresh-token-5e0a\","
                        + "\"expires_in\":3600,\"token_type\":\"Bearer\"}")));
        wm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(
                        WireMockTokenEndpointResource.userinfoPath(group)))
                .withHeader("Authorization", com.github.tomakehurst.wiremock.client.WireMock.equalTo(
                        "Bearer userinfo-access-token-81d2"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"sub\":\"u-77\",\"email\":\"" + account + "\",\"email_verified\":true}")));
        secrets.addAll(List.of("userinfo-access-token-81d2", "userinfo-refresh-token-5e0a"));
        // a group without default scopes needs the session to name them
        create(tenant, Map.of("providerGroup", group, "redirectUri", APP)).then().statusCode(400)
                .body("violations[0].field", equalTo("scopes"));

        Opened opened = open(sessionUrl(tenant, Map.of("providerGroup", group, "redirectUri", APP,
                "scopes", List.of("email", "offline_access"))));
        assertThat(query(opened.authorize())).containsEntry("scope", "email offline_access");
        String code = "userinfo-code-" + UUID.randomUUID();
        secrets.add(code);
        URI back = callback("code=" + code + "&state=" + query(opened.authorize()).get("state"), Optional.of(opened.binding()));

        assertThat(query(back)).containsEntry("outcome", "connected");
        UUID id = UUID.fromString(query(back).get("integration_id"));
        assertThat(seeder.column(id, "external_account")).isEqualTo(account);
        assertThat(stored(id).refreshToken().reveal()).isEqualTo("userinfo-refresh-token-5e0a");
        var exchange = wm.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                urlPathEqualTo(WireMockTokenEndpointResource.path(group)))).get(0);
        assertThat(exchange.getHeader("Authorization")).startsWith("Basic ");
        assertThat(WireMockTokenEndpointResource.form(exchange.getBodyAsString())).containsEntry("code", code)
                .doesNotContainKey("client_secret");
    }

    // ---- session creation ----

    @Test
    void shouldRefuseARedirectUriOutsideTheTenantsListNamingIt() {
        Tenant tenant = tenant("badredirect");
        for (String uri : List.of("https://evil.example.test/steal", APP + "/", APP + "?x=1", "https://APP.example.test/integrations/done")) {
            create(tenant, Map.of("providerGroup", GROUP, "redirectUri", uri)).then().statusCode(400)
                    .contentType("application/problem+json").body("violations[0].field", equalTo("redirectUri"));
        }
        assertThat(seeder.count("SELECT count(*) FROM connect_session WHERE tenant_id = :t", Map.of("t", tenant.id()))).isZero();
    }

    @Test
    void shouldRefuseAGroupWithoutAnAuthorizationEndpointNamingItsSetting() {
        Tenant tenant = tenant("noauthorize");
        create(tenant, Map.of("providerGroup", "fake-rotating", "redirectUri", APP)).then().statusCode(400)
                .contentType("application/problem+json").body("violations[0].field", equalTo("providerGroup"))
                .body("detail", containsString("refresher.providers.fake-rotating.authorization-endpoint"));
        // an unknown group and one outside the tenant's allow-list get one answer
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("providerGroups", List.of("fake-google"))).put("/admin/tenants/{t}/provider-groups", tenant.id())
                .then().statusCode(200);
        String outside = create(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP)).then().statusCode(400)
                .extract().asString();
        String unknown = create(tenant, Map.of("providerGroup", "no-such-group", "redirectUri", APP)).then().statusCode(400)
                .extract().asString();
        assertThat(outside).isEqualTo(unknown).doesNotContain(GROUP);
    }

    @Test
    void shouldRefuseAReconnectOfAnotherTenantsIntegrationAndNeedTheWriteScope() throws Exception {
        Tenant owner = tenant("owner");
        UUID id = connected(owner, "owned-" + UUID.randomUUID() + "@example.com");
        Tenant other = tenant("other");
        create(other, Map.of("providerGroup", GROUP, "redirectUri", APP, "integrationId", id.toString()))
                .then().statusCode(400).body("violations[0].field", equalTo("integrationId"));
        String readOnly = TenantKeys.issue(other.id(), List.of("integrations:read"));
        given().header("Authorization", bearer(readOnly)).contentType(ContentType.JSON)
                .body(Map.of("providerGroup", GROUP, "redirectUri", APP)).post("/v1/connect-sessions")
                .then().statusCode(403);
    }

    @Test
    void shouldKeepTheRedirectUriListExactAndHttpsOnly() {
        String tenant = seeder.tenant("urilist");
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("redirectUris", List.of("https://b.example.test/cb", "https://a.example.test/cb", "https://a.example.test/cb")))
                .put("/admin/tenants/{t}/redirect-uris", tenant).then().statusCode(200)
                .body("redirectUris", equalTo(List.of("https://a.example.test/cb", "https://b.example.test/cb")));
        given().header("Authorization", ADMIN).get("/admin/tenants/{t}/redirect-uris", tenant).then().statusCode(200)
                .body("redirectUris", equalTo(List.of("https://a.example.test/cb", "https://b.example.test/cb")));
        for (String bad : List.of("http://app.example.test/cb", "https://app.example.test/cb#frag", "/relative",
                "https://user@app.example.test/cb")) {
            given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(Map.of("redirectUris", List.of(bad)))
                    .put("/admin/tenants/{t}/redirect-uris", tenant).then().statusCode(400)
                    .body("violations[0].field", equalTo("redirectUris[0]"));
        }
        assertThat(seeder.count("SELECT count(*) FROM tenant_redirect_uri WHERE tenant_id = :t", Map.of("t", tenant)))
                .isEqualTo(2);
    }

    // ---- the flow's steps ----

    record Tenant(String id, String key) {
    }

    record Opened(URI authorize, String binding) {
    }

    Tenant tenant(String prefix) {
        String id = seeder.tenant(prefix);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(Map.of("redirectUris", List.of(APP)))
                .put("/admin/tenants/{t}/redirect-uris", id).then().statusCode(200);
        return new Tenant(id, TenantKeys.issue(id));
    }

    Response create(Tenant tenant, Map<String, Object> body) {
        return given().header("Authorization", bearer(tenant.key())).contentType(ContentType.JSON).body(body)
                .post("/v1/connect-sessions");
    }

    String sessionUrl(Tenant tenant, Map<String, Object> body) {
        String url = create(tenant, body).then().statusCode(201).extract().path("url");
        secrets.add(url.substring(url.lastIndexOf('/') + 1));
        return url;
    }

    /** The browser opens the link: sent to the provider, with the binding cookie. */
    Opened open(String sessionUrl) throws IOException, InterruptedException {
        HttpResponse<String> response = get(local(URI.create(sessionUrl)), Optional.empty());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        for (String header : List.of("Cache-Control", "X-Frame-Options")) {
            assertThat(response.headers().firstValue(header)).as(header).isPresent();
        }
        String cookie = response.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(ConnectResource.BINDING_COOKIE + "=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Lax").contains("Secure").contains("Path=/connect/callback");
        String binding = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf(';'));
        URI authorize = URI.create(response.headers().firstValue("Location").orElseThrow());
        secrets.add(binding);
        secrets.add(query(authorize).get("state"));
        return new Opened(authorize, binding);
    }

    /** The provider's consent: it answers at once with a redirect to the service's callback, carrying code and state. */
    URI authorizeAt(Opened opened) throws IOException, InterruptedException {
        HttpResponse<String> response = get(opened.authorize(), Optional.empty());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        URI callback = URI.create(response.headers().firstValue("Location").orElseThrow());
        assertThat(callback.toString()).startsWith(FakePeersProfile.CONNECT_PUBLIC_URL + "/connect/callback?");
        secrets.add(query(callback).get("code"));
        return callback;
    }

    /** Consent as {@code account}, then the callback in the same browser; where the user lands. */
    URI consent(Opened opened, String account) throws IOException, InterruptedException {
        URI atProvider = authorizeAt(opened);
        enqueueAccount(account);
        return callback(atProvider.getRawQuery(), Optional.of(opened.binding()));
    }

    /** The service's callback with {@code rawQuery}, with or without the binding cookie: where the user lands. */
    URI callback(String rawQuery, Optional<String> binding) throws IOException, InterruptedException {
        HttpResponse<String> response = get(local.resolve("/connect/callback?" + rawQuery), binding);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(response.headers().firstValue("Content-Security-Policy")).get().asString().contains("frame-ancestors 'none'");
        URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
        assertThat(location.toString()).startsWith(APP + "?").doesNotContain("code=").doesNotContain("state=");
        return location;
    }

    /** The next code exchange at the server names {@code account} (sub and email) in its ID token. */
    static void enqueueAccount(String account) {
        MockOAuthServerResource.server().enqueueCallback(new DefaultOAuth2TokenCallback(MockOAuthServerResource.ISSUER,
                account, JOSEObjectType.JWT.getType(), null, Map.of("email", account), 3600L));
    }

    UUID connected(Tenant tenant, String account) throws IOException, InterruptedException {
        URI back = consent(open(sessionUrl(tenant, Map.of("providerGroup", GROUP, "redirectUri", APP))), account);
        assertThat(query(back)).containsEntry("outcome", "connected");
        UUID id = UUID.fromString(query(back).get("integration_id"));
        remember(stored(id));
        return id;
    }

    /** Redeems {@code refreshToken} at the server behind the service's back: the server rotates it, the old one dies. */
    void spend(String refreshToken) throws IOException, InterruptedException {
        String form = "grant_type=refresh_token&refresh_token=" + java.net.URLEncoder.encode(refreshToken, StandardCharsets.UTF_8)
                + "&client_id=" + MockOAuthServerResource.CLIENT_ID + "&client_secret=" + MockOAuthServerResource.CLIENT_SECRET;
        HttpResponse<String> answer = browser.send(HttpRequest.newBuilder(MockOAuthServerResource.server()
                        .tokenEndpointUrl(MockOAuthServerResource.ISSUER).uri())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
    }

    void refresh(Tenant tenant, UUID id) {
        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant.id(), id)
                .then().statusCode(200).body("outcome", equalTo("refreshed"));
        remember(stored(id));
    }

    TokenSet stored(UUID id) {
        SecretRef ref = new SecretRef((String) seeder.column(id, "vault"), (String) seeder.column(id, "secret_name"));
        TokenSet tokens = tokenStore.load(ref).await().indefinitely().orElseThrow().tokens();
        remember(tokens);
        return tokens;
    }

    static void remember(TokenSet tokens) {
        secrets.add(tokens.accessToken().reveal());
        secrets.add(tokens.refreshToken().reveal());
    }

    HttpResponse<String> get(URI uri, Optional<String> binding) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        binding.ifPresent(value -> request.header("Cookie", ConnectResource.BINDING_COOKIE + "=" + value));
        return browser.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A URL of the service's public base, sent to the test port instead. */
    URI local(URI publicUrl) {
        return local.resolve(publicUrl.getRawPath() + (publicUrl.getRawQuery() == null ? "" : "?" + publicUrl.getRawQuery()));
    }

    static Map<String, String> query(URI uri) {
        Map<String, String> fields = new HashMap<>();
        if (uri.getRawQuery() == null) {
            return fields;
        }
        for (String pair : uri.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return fields;
    }

    static String unsignedIdToken(String audience, String subject, String email) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"k\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"iss\":\"https://accounts.google.com\",\"aud\":\"" + audience + "\",\"sub\":\""
                + subject + "\",\"email\":\"" + email + "\",\"email_verified\":true,\"exp\":"
                + (Instant.now().getEpochSecond() + 3600) + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + ".c2lnbmF0dXJl";
    }

    /** The tenant's integrations, connect webhook events and the store's secrets, to prove nothing changes. */
    Nothing nothingYet(Tenant tenant) {
        return new Nothing(tenant, integrations(tenant), connectEvents(tenant), secretNames());
    }

    record Nothing(Tenant tenant, long integrations, long events, Set<String> secrets) {
    }

    void stillNothing(Nothing before) {
        assertThat(integrations(before.tenant())).as("integrations").isEqualTo(before.integrations());
        assertThat(connectEvents(before.tenant())).as("connect events").isEqualTo(before.events());
        assertThat(secretNames()).as("secrets in the store").isEqualTo(before.secrets());
    }

    long connectEvents(Tenant tenant) {
        return seeder.count("SELECT count(*) FROM webhook_event WHERE tenant_id = :t AND type IN "
                + "('integration.connected', 'integration.reconnected')", Map.of("t", tenant.id()));
    }

    long integrations(Tenant tenant) {
        return seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t", Map.of("t", tenant.id()));
    }

    Set<String> secretNames() {
        return ((InMemoryTokenStore) ((LocatedTokenStore) ClientProxy.unwrap(tokenStore)).vaults()).secretNames();
    }
}
