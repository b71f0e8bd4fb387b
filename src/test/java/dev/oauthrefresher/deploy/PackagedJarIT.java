package dev.oauthrefresher.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;

import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar ({@code target/quarkus-app/quarkus-run.jar}) as it ships: launched by Quarkus in the prod profile,
 * configured only through its settings, on a real PostgreSQL (embedded, migrated by the jar's own Flyway) with the
 * memory token store. What only the artifact can show: its health and OpenAPI on the management port and not on the
 * public one, the tenant API end to end, problem+json from its mappers, and a log without the secrets it was given.
 */
@QuarkusIntegrationTest
@WithTestResource(EmbeddedPostgresResource.class)
@WithTestResource(PackagedJarIT.Settings.class)
class PackagedJarIT {

    static final String ADMIN = "Bearer packaged-admin-token-3c81e0f4b7a96d25c1f08e";
    static final String GROUP = "packaged-oauth2";
    /** Tenant API keys the tests were issued, for the log check. */
    static final List<String> ISSUED_KEYS = new CopyOnWriteArrayList<>();

    /**
     * The production settings the jar needs besides its database: mock mode, one provider group, an operator's token
     * and a trigger credential (a production process refuses to start without them, or with short ones).
     */
    public static class Settings implements QuarkusTestResourceLifecycleManager {

        /** Quarkus' jar launcher picks the HTTP port only; the management port would be 9000, fixed, on a shared host. */
        static final int MANAGEMENT_PORT = freePort();

        @Override
        public Map<String, String> start() {
            return Map.of(
                    "quarkus.management.port", Integer.toString(MANAGEMENT_PORT),
                    "refresher.token-store.kind", "memory",
                    "refresher.admin.tokens", ADMIN.substring("Bearer ".length()),
                    "refresher.cron.bearer-tokens", "packaged-cron-token-9d27a4c0e6b1f385d0c7",
                    "refresher.providers." + GROUP + ".type", "oauth2",
                    "refresher.providers." + GROUP + ".client-id", "packaged-client",
                    "refresher.providers." + GROUP + ".client-secret", "packaged-client-secret",
                    // https, and nobody listens: nothing here may reach a provider
                    "refresher.providers." + GROUP + ".token-endpoint", "https://127.0.0.1:9/token",
                    "refresher.cron.fallback.cron", "off");
        }

        @Override
        public void stop() {
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** What the jar wrote to its log file ({@code target/quarkus.log}) while the tests ran: none of their secrets. */
    @AfterAll
    static void shouldHaveLoggedNoSecret() throws IOException {
        String log = Files.readString(Path.of("target", "quarkus.log"), StandardCharsets.UTF_8);
        assertThat(log).as("the jar's log").contains("Profile prod activated")
                .doesNotContain(ADMIN.substring("Bearer ".length()), "packaged-cron-token", "packaged-client-secret",
                        "packaged-at-", "packaged-rt-");
        for (String key : ISSUED_KEYS) {
            assertThat(log).as("the jar's log").doesNotContain(key);
        }
    }

    static RequestSpecification management() {
        return RestAssured.given().baseUri("http://localhost").port(Settings.MANAGEMENT_PORT);
    }

    @Test
    void shouldBeReadyWithTheDatabaseAndTheTokenStoreOnTheManagementPortOnly() {
        management().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'token-store' }.data.kind", equalTo("memory"))
                .body("checks.name", hasItem("Database connections health check"));
        management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));

        given().get("/q/health/ready").then().statusCode(404);
        given().get("/q/metrics").then().statusCode(404);
    }

    @Test
    void shouldDescribeTheTenantApiInTheOpenApiDocumentOnTheManagementPort() {
        management().accept(ContentType.JSON).get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("oauth-refresher"))
                .body("paths", hasKey("/v1/integrations"))
                .body("paths", hasKey("/v1/integrations/{id}/access-token"));

        given().get("/q/openapi").then().statusCode(404);
    }

    @Test
    void shouldRegisterAnIntegrationWithATenantKeyAndServeItsAccessTokenWithoutTheRefreshToken() {
        String tenant = "packaged-" + UUID.randomUUID().toString().substring(0, 8);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("id", tenant, "displayName", "Packaged jar"))
                .post("/admin/tenants").then().statusCode(201);
        String key = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "worker", "scopes", List.of("integrations:write", "tokens:read")))
                .post("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(201).extract().path("key");
        ISSUED_KEYS.add(key);

        String id = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(registration("ada@example.com", "packaged-at-1", "packaged-rt-1"))
                .post("/v1/integrations")
                .then().statusCode(201).body("status", equalTo("active")).extract().path("id");
        Response token = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(Map.of("minValidSeconds", 300))
                .post("/v1/integrations/{id}/access-token", id);

        token.then().statusCode(200).header("Cache-Control", "no-store")
                .body("accessToken", equalTo("packaged-at-1"))
                .body("refreshed", equalTo(false));
        assertThat(token.asString()).doesNotContain("packaged-rt-1", "refreshToken", "refresh_token");
        given().contentType(ContentType.JSON).body(Map.of("minValidSeconds", 300))
                .post("/v1/integrations/{id}/access-token", id).then().statusCode(401);
    }

    @Test
    void shouldAnswerBadInputWithProblemJsonThatNamesTheFieldAndEchoesNothing() {
        Map<String, Object> blankAccount = registration(" ", "packaged-at-2", "packaged-rt-2");
        Map<String, Object> wrongDate = new HashMap<>(registration("bob@example.com", "packaged-at-3", "packaged-rt-3"));
        wrongDate.put("accessTokenExpiresAt", "packaged-at-tomorrow");
        Response invalid = registerAsAdmin(blankAccount);
        Response mistyped = registerAsAdmin(wrongDate);
        Response unreadable = registerAsAdmin("{\"accessToken\": \"packaged-at-4\", ");

        invalid.then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:oauth-refresher:problem:invalid-request"))
                .body("violations.field", hasItem("externalAccount"));
        mistyped.then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:oauth-refresher:problem:invalid-request"))
                .body("detail", equalTo("Field 'accessTokenExpiresAt' has the wrong type or format."));
        unreadable.then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:oauth-refresher:problem:invalid-request"))
                .body("detail", equalTo("The request body is not valid JSON."));
        for (Response problem : List.of(invalid, mistyped, unreadable)) {
            assertThat(problem.asString()).doesNotContain("packaged-at-", "packaged-rt-", "Exception", "jackson");
        }
    }

    static Response registerAsAdmin(Object body) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(body)
                .post("/admin/tenants/{t}/integrations", "no-such-tenant");
    }

    static Map<String, Object> registration(String account, String accessToken, String refreshToken) {
        return Map.of("provider", "oauth2", "providerGroup", GROUP, "externalAccount", account,
                "accessToken", accessToken, "refreshToken", refreshToken,
                "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString());
    }
}
