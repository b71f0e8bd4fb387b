package dev.oauthrefresher.cron;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With the database unreachable, a trigger is told to come back later instead of failing for good. */
@QuarkusTest
@TestProfile(CronDatabaseDownTest.NoDatabase.class)
class CronDatabaseDownTest {

    /** A datasource pointing at a port nobody listens on; nothing touches the database at startup. */
    public static class NoDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + closedPort() + "/none",
                    "quarkus.datasource.username", "nobody",
                    "quarkus.datasource.password", "nothing",
                    "quarkus.datasource.jdbc.acquisition-timeout", "2s",
                    "quarkus.flyway.migrate-at-start", "false",
                    "quarkus.hibernate-orm.schema-management.strategy", "none");
        }

        static int closedPort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenTheDatabaseIsUnreachable() {
        given().header("Authorization", "Bearer test-cron-token").post("/cron/refresh-expiring-integrations")
                .then().statusCode(503).header("Retry-After", equalTo("30"))
                .contentType("application/problem+json")
                .body("detail", equalTo("The database is unreachable; nothing was run. Try again."));
    }
}
