package dev.oauthrefresher.cron;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import dev.oauthrefresher.testsupport.NoDatabaseProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** With the database unreachable, a trigger is told to come back later instead of failing for good. */
@QuarkusTest
@TestProfile(NoDatabaseProfile.class)
class CronDatabaseDownTest {

    @Test
    void shouldAnswer503WithRetryAfterWhenTheDatabaseIsUnreachable() {
        given().header("Authorization", "Bearer test-cron-token").post("/cron/refresh-expiring-integrations")
                .then().statusCode(503).header("Retry-After", equalTo("30"))
                .contentType("application/problem+json")
                .body("detail", equalTo("The database is unreachable; nothing was run. Try again."));
    }
}
