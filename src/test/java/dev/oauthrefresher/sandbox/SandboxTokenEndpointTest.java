package dev.oauthrefresher.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import com.standardwebhooks.Webhook;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The sandbox provider speaks the OAuth 2.0 token endpoint protocol (RFC 6749 sections 2.3.1, 5 and 6). */
@QuarkusTest
@TestProfile(SandboxProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
class SandboxTokenEndpointTest {

    private static final String CLIENT_ID = "sandbox-client";
    private static final String CLIENT_SECRET = "sandbox-client-secret";

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
    void shouldSupportOnlyTheRefreshTokenGrant() {
        given().formParam("grant_type", "authorization_code").formParam("code", "x")
                .formParam("client_id", CLIENT_ID).formParam("client_secret", CLIENT_SECRET)
                .post("/dev/sandbox/token")
                .then().statusCode(400).body("error", equalTo("unsupported_grant_type"));
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
