package dev.oauthrefresher.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import com.standardwebhooks.Webhook;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The sandbox provider speaks the OAuth 2.0 token endpoint protocol (RFC 6749 sections 2.3.1, 5 and 6) and the
 * authorization code flow with PKCE its consent page starts (sections 4.1, RFC 7636).
 */
@QuarkusTest
@TestProfile(SandboxProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
class SandboxTokenEndpointTest {

    private static final String CLIENT_ID = "sandbox-client";
    private static final String CLIENT_SECRET = "sandbox-client-secret";
    /** The sandbox client's one registered redirect URI: the connect callback under the public URL. */
    private static final String CALLBACK = "http://localhost:" + SandboxProfile.PORT + "/connect/callback";
    private static final String VERIFIER = "a-pkce-verifier-of-forty-three-or-more-characters-for-rfc-7636";
    /** BASE64URL(SHA256(VERIFIER)) (RFC 7636 section 4.2), a fixed vector. */
    private static final String S256_CHALLENGE = "ohntH-WcLBTMCc7pdZYmR7ro7bTAhvbkSdHCwakO1bM";
    private static final String STATE = "state-of-the-client";
    private static final Pattern HIDDEN_REQUEST = Pattern.compile("name=\"request\" value=\"([A-Za-z0-9_-]{43})\"");

    @Test
    void shouldRefuseAClientWithAWrongSecretAsInvalidClient() {
        given().formParam("grant_type", "refresh_token").formParam("refresh_token", "whatever")
                .formParam("client_id", CLIENT_ID).formParam("client_secret", "wrong")
                .post("/dev/sandbox/token")
                .then().statusCode(401).header("WWW-Authenticate", containsString("Basic"))
                .body("error", equalTo("invalid_client"));
    }

    @Test
    void shouldAcceptBasicClientAuthenticationAndAnswerAnUnknownRefreshTokenWithInvalidGrant() {
        given().auth().preemptive().basic(CLIENT_ID, CLIENT_SECRET)
                .formParam("grant_type", "refresh_token").formParam("refresh_token", "never-issued")
                .post("/dev/sandbox/token")
                .then().statusCode(400).contentType(ContentType.JSON).body("error", equalTo("invalid_grant"));
    }

    @Test
    void shouldSupportOnlyTheRefreshTokenAndAuthorizationCodeGrants() {
        given().formParam("grant_type", "password").formParam("username", "x")
                .formParam("client_id", CLIENT_ID).formParam("client_secret", CLIENT_SECRET)
                .post("/dev/sandbox/token")
                .then().statusCode(400).body("error", equalTo("unsupported_grant_type"));
        given().formParam("grant_type", "authorization_code").formParam("code", "never-issued")
                .formParam("redirect_uri", CALLBACK).formParam("code_verifier", VERIFIER)
                .formParam("client_id", CLIENT_ID).formParam("client_secret", CLIENT_SECRET)
                .post("/dev/sandbox/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void shouldExchangeAnApprovedCodeOnceWithItsVerifierForTokensWhoseHolderTheUserinfoNames() {
        String code = approvedCode("code-flow@demo.test");
        Response tokens = exchange(code, VERIFIER);
        tokens.then().statusCode(200).header("Cache-Control", "no-store").body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("email calendar.read"));
        String accessToken = tokens.path("access_token");
        assertThat(tokens.<String>path("refresh_token")).startsWith("sbx-rt-");
        given().auth().oauth2(accessToken).get("/dev/sandbox/userinfo")
                .then().statusCode(200).body("sub", equalTo("code-flow@demo.test"))
                .body("email", equalTo("code-flow@demo.test")).body("email_verified", equalTo(true));
        exchange(code, VERIFIER).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().oauth2("sbx-at-unknown").get("/dev/sandbox/userinfo")
                .then().statusCode(401).header("WWW-Authenticate", containsString("invalid_token"));
        // the grant is the sandbox's like any other: its refresh token refreshes
        redeem(tokens.path("refresh_token")).then().statusCode(200);
    }

    @Test
    void shouldRefuseACodeWithAnotherVerifierAndBurnIt() {
        String code = approvedCode("pkce@demo.test");
        exchange(code, "a-verifier-that-is-not-the-one-hashed-into-the-challenge-0123456789").then().statusCode(400)
                .body("error", equalTo("invalid_grant")).body("error_description", containsString("code_verifier"));
        exchange(code, VERIFIER).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void shouldShowAnUnframableUncachedConsentPageAndSendADenialBackWithTheState() {
        Response page = authorize(CALLBACK);
        page.then().statusCode(200).contentType(containsString("text/html")).header("Cache-Control", "no-store")
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Frame-Options", "DENY")
                .body(containsString("calendar.read")).body(containsString("Approve")).body(containsString("Deny"))
                .body(not(containsString(STATE)));
        given().redirects().follow(false).formParam("request", handle(page)).formParam("decision", "deny")
                .post("/dev/sandbox/authorize")
                .then().statusCode(302).header("Location", equalTo(CALLBACK + "?error=access_denied&state=" + STATE));
    }

    @Test
    void shouldNeverRedirectToAnUnregisteredRedirectUriAndRefuseACrossSiteDecision() {
        authorize("https://attacker.example/callback").then().statusCode(400)
                .body(containsString("Unregistered redirect URI"));
        String handle = handle(authorize(CALLBACK));
        given().redirects().follow(false).header("Sec-Fetch-Site", "cross-site").formParam("request", handle)
                .formParam("account", "victim@demo.test").formParam("decision", "approve")
                .post("/dev/sandbox/authorize")
                .then().statusCode(403);
        // refused, not taken: the user's own click on the page still decides
        given().redirects().follow(false).header("Sec-Fetch-Site", "same-origin").formParam("request", handle)
                .formParam("account", "victim@demo.test").formParam("decision", "approve")
                .post("/dev/sandbox/authorize")
                .then().statusCode(302).header("Location", containsString("code="));
    }

    /** What the connect callback would receive after the user approved as {@code account}. */
    private static String approvedCode(String account) {
        String location = given().redirects().follow(false).formParam("request", handle(authorize(CALLBACK)))
                .formParam("account", account).formParam("decision", "approve")
                .post("/dev/sandbox/authorize")
                .then().statusCode(302).header("Location", startsWith(CALLBACK + "?code=")).extract().header("Location");
        assertThat(location).endsWith("&state=" + STATE);
        return location.substring((CALLBACK + "?code=").length(), location.indexOf("&state="));
    }

    private static Response authorize(String redirectUri) {
        return given().redirects().follow(false).queryParam("response_type", "code").queryParam("client_id", CLIENT_ID)
                .queryParam("redirect_uri", redirectUri).queryParam("scope", "email calendar.read")
                .queryParam("state", STATE).queryParam("code_challenge", S256_CHALLENGE)
                .queryParam("code_challenge_method", "S256")
                .get("/dev/sandbox/authorize");
    }

    /** The consent form's one hidden field. */
    private static String handle(Response page) {
        Matcher hidden = HIDDEN_REQUEST.matcher(page.then().statusCode(200).extract().asString());
        assertThat(hidden.find()).as("the consent form's request handle").isTrue();
        return hidden.group(1);
    }

    private static Response exchange(String code, String verifier) {
        return given().formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", CALLBACK).formParam("code_verifier", verifier)
                .formParam("client_id", CLIENT_ID).formParam("client_secret", CLIENT_SECRET)
                .post("/dev/sandbox/token");
    }

    @Test
    void shouldKeepTheRefreshTokenOfAKeepingGrant() {
        String refreshToken = consent("keeper", "keep");
        redeem(refreshToken).then().statusCode(200).header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer")).body("expires_in", equalTo(120))
                .body("refresh_token", nullValue());
        redeem(refreshToken).then().statusCode(200);
    }

    @Test
    void shouldRotateStrictlyForARotatingGrant() {
        String first = consent("rotator", "rotate");
        String second = redeem(first).then().statusCode(200).extract().path("refresh_token");
        assertThat(second).isNotBlank().isNotEqualTo(first);
        redeem(first).then().statusCode(400).body("error", equalTo("invalid_grant"));
        redeem(second).then().statusCode(200);
    }

    @Test
    void shouldAnswerAnOutageWith503AndRetryAfter() {
        redeem(consent("down", "outage")).then().statusCode(503).header("Retry-After", "30")
                .body("error", equalTo("temporarily_unavailable"));
    }

    @Test
    void shouldKeepARevokedRefreshTokenDeadAfterTheUserConsentsAgain() {
        String revoked = consent("changes-mind", "keep");
        given().post("/dev/sandbox/grants/changes-mind/revoke").then().statusCode(200).body("revoked", equalTo(true));
        String again = consent("changes-mind", "keep");
        redeem(revoked).then().statusCode(400).body("error", equalTo("invalid_grant"));
        redeem(again).then().statusCode(200);
        given().post("/dev/sandbox/grants/nobody/revoke").then().statusCode(404);
    }

    @Test
    void shouldNameTheInvalidFieldOfAConsent() {
        given().contentType(ContentType.JSON).body("{\"grant\":\"Bad Name\",\"behaviour\":\"explode\"}")
                .post("/dev/sandbox/grants")
                .then().statusCode(400).contentType("application/problem+json")
                .body("violations.field", hasItems(containsString("grant"), containsString("behaviour")));
    }

    private static String consent(String grant, String behaviour) {
        return given().contentType(ContentType.JSON).body("{\"grant\":\"" + grant + "\",\"behaviour\":\"" + behaviour + "\"}")
                .post("/dev/sandbox/grants")
                .then().statusCode(201).body("tokenType", equalTo("Bearer")).extract().path("refreshToken");
    }

    private static Response redeem(String refreshToken) {
        return given().formParam("grant_type", "refresh_token").formParam("refresh_token", refreshToken)
                .formParam("client_id", CLIENT_ID).formParam("client_secret", CLIENT_SECRET)
                .post("/dev/sandbox/token");
    }

    @Test
    void shouldRefuseAWebhookDeliverySignedWithAnotherSecret() throws Exception {
        // the demo endpoint's secret is random per start: an all-zero key is another one
        String body = "{\"id\":\"evt_forged\",\"type\":\"integration.expired\",\"data\":{}}";
        long timestamp = System.currentTimeMillis() / 1000;
        String forged = new Webhook("whsec_" + Base64.getEncoder().encodeToString(new byte[32]))
                .sign("evt_forged", timestamp, body);
        given().contentType(ContentType.JSON).header("webhook-id", "evt_forged")
                .header("webhook-timestamp", Long.toString(timestamp)).header("webhook-signature", forged).body(body)
                .when().post("/dev/sandbox/webhooks")
                .then().statusCode(401).contentType("application/problem+json");
        given().when().get("/dev/sandbox/webhooks")
                .then().statusCode(200).body("items.webhookId", not(hasItems("evt_forged")));
    }
}
