package dev.oauthrefresher.access;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import dev.oauthrefresher.testsupport.NoDatabaseProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** A key that cannot be looked up because the database is down is a 503 to retry, not a 401 that says "bad key". */
@QuarkusTest
@TestProfile(NoDatabaseProfile.class)
class TenantKeyDatabaseDownTest {

    @Test
    void shouldAnswer503WithRetryAfterWhenTheKeyCannotBeLookedUp() {
        given().header("Authorization", "Bearer orf_live_" + "A".repeat(43)).get("/v1/integrations")
                .then().statusCode(503).header("Retry-After", equalTo("5"))
                .contentType("application/problem+json")
                .body("type", equalTo("urn:oauth-refresher:problem:database-unavailable"));
    }
}
