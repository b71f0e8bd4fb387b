package dev.oauthrefresher.integration;

import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.TestSecrets;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import dev.oauthrefresher.testsupport.Concurrently;
import dev.oauthrefresher.tokenstore.InMemoryTokenStore;
import dev.oauthrefresher.tokenstore.LocatedTokenStore;
import io.quarkus.arc.ClientProxy;
import dev.oauthrefresher.testsupport.Management;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(FakePeersProfile.class)
public class IntegrationRegistryApiTest {

    static final String ADMIN = "Bearer test-admin-token";

    @Inject
    TokenStore tokenStore;

    @Inject
    dev.oauthrefresher.testsupport.Seeder seeder;

    /** Creates a tenant through the admin API and returns its id. */
    public static String newTenant() {
        String id = "t-" + UUID.randomUUID().toString().substring(0, 8);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("id", id, "displayName", "Tenant " + id))
                .post("/admin/tenants").then().statusCode(201);
        return id;
    }

    static Map<String, Object> registration(String account) {
        return Map.of("provider", "google", "providerGroup", "google-default", "externalAccount", account,
                "accessToken", "at-secret-value-1", "refreshToken", "rt-secret-value-1",
                "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString());
    }

    @Test
    void shouldRoundTripAnIntegrationWithoutEverReturningItsTokens() {
        String tenant = newTenant();
        Response created = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(registration("alice@example.com"))
                .post("/admin/tenants/{t}/integrations", tenant);
        created.then().statusCode(201).body("status", equalTo("active")).body("provider", equalTo("google"));
        assertThat(created.asString()).doesNotContain("secret-value");
        String id = created.path("id");

        String one = given().header("Authorization", ADMIN).get("/admin/tenants/{t}/integrations/{id}", tenant, id)
                .then().statusCode(200).body("externalAccount", equalTo("alice@example.com")).extract().asString();
        String list = given().header("Authorization", ADMIN).get("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(200).body("items", hasSize(1)).body("total", equalTo(1)).extract().asString();
        assertThat(one + list).doesNotContain("secret-value");

        TokenStore.Versioned stored = tokenStore.load(TestSecrets.of(UUID.fromString(id)))
                .await().indefinitely().orElseThrow();
        assertThat(stored.tokens().refreshToken().reveal()).isEqualTo("rt-secret-value-1");
        assertThat(stored.tokens().toString()).doesNotContain("secret-value");
    }

    @Test
    void shouldRefuseADuplicateIntegrationWith409() {
        String tenant = newTenant();
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(registration("bob@example.com"))
                .post("/admin/tenants/{t}/integrations", tenant).then().statusCode(201);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(registration("bob@example.com"))
                .post("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("bob@example.com"));
    }

    @Test
    void shouldLetOneOfConcurrentDuplicateRegistrationsWinWithoutOrphaningASecret() throws Exception {
        String tenant = newTenant();
        InMemoryTokenStore store = (InMemoryTokenStore) ((LocatedTokenStore) ClientProxy.unwrap(tokenStore)).vaults();
        Set<String> before = store.secretNames();

        List<Integer> statuses = Concurrently.run(8, () -> given().header("Authorization", ADMIN)
                .contentType(ContentType.JSON).body(registration("race@example.com"))
                .post("/admin/tenants/{t}/integrations", tenant).statusCode());

        assertThat(statuses).containsOnly(201, 409).filteredOn(status -> status == 201).hasSize(1);
        Object rowSecret = seeder.scalar("SELECT secret_name FROM integration WHERE tenant_id = :t", Map.of("t", tenant));
        Set<String> added = new HashSet<>(store.secretNames());
        added.removeAll(before);
        assertThat(added).as("secrets written by the race").containsExactly((String) rowSecret);
    }

    @Test
    void shouldRefuseAProviderGroupThatIsNotConfiguredOrOfAnotherTypeWithOneAnswerThatNamesNoGroup() {
        String tenant = newTenant();
        Map<String, Object> unknown = new HashMap<>(registration("carol@example.com"));
        unknown.put("providerGroup", "no-such-group");
        Map<String, Object> otherType = new HashMap<>(registration("carol@example.com"));
        otherType.put("provider", "microsoft");
        Map<String, Object> unknownOfThatType = new HashMap<>(otherType);
        unknownOfThatType.put("providerGroup", "no-such-group");
        // a caller cannot tell an existing group of another type from one that does not exist
        Map<String, Object> answer = refusal(tenant, otherType);
        assertThat(answer).isEqualTo(refusal(tenant, unknownOfThatType));
        assertThat(answer.toString()).doesNotContain("google-default").doesNotContain("of type google");
        assertThat(refusal(tenant, unknown).toString()).doesNotContain("no-such-group").doesNotContain("google-default");
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t", Map.of("t", tenant))).isZero();
    }

    Map<String, Object> refusal(String tenant, Map<String, Object> body) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(body)
                .post("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(400).contentType("application/problem+json")
                .body("violations[0].field", equalTo("providerGroup"))
                .extract().jsonPath().getMap("$");
    }

    @Test
    void shouldAnswer404ProblemForAnUnknownTenant() {
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(registration("carol@example.com"))
                .post("/admin/tenants/{t}/integrations", "no-such-tenant")
                .then().statusCode(404).contentType("application/problem+json")
                .body("detail", equalTo("Tenant 'no-such-tenant' does not exist."));
    }

    @Test
    void shouldNameTheInvalidFieldsIn400Problem() {
        String tenant = newTenant();
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", "yahoo", "providerGroup", "g", "externalAccount", "x",
                        "accessToken", "a", "refreshToken", "r", "accessTokenExpiresAt", Instant.now().toString()))
                .post("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(400).contentType("application/problem+json")
                .body("violations[0].field", equalTo("provider"))
                .body("detail", containsString("provider: must be one of google, microsoft, oauth2"));
    }

    @Test
    void shouldRefuseUnknownFieldsAndWrongTypes() {
        String tenant = newTenant();
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"displayName\":\"x\",\"colour\":\"red\"}")
                .put("/admin/tenants/{t}", tenant)
                .then().statusCode(400).contentType("application/problem+json").body("detail", equalTo("Unknown field 'colour'."));
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"displayName\":\"x\",\"maxConcurrency\":\"many\"}")
                .put("/admin/tenants/{t}", tenant)
                .then().statusCode(400).body("detail", equalTo("Field 'maxConcurrency' has the wrong type or format."));
    }

    @Test
    void shouldAnswer401WithoutAValidAdminToken() {
        given().get("/admin/tenants/anything").then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", "Bearer wrong").get("/admin/tenants/anything").then().statusCode(401);
        given().header("Authorization", "Basic dGVzdC1hZG1pbi10b2tlbg==").get("/admin/tenants/anything").then().statusCode(401);
        given().header("Authorization", "Bearer test-admin-token-next").get("/admin/tenants/anything").then().statusCode(404);
    }

    @Test
    void shouldPauseAndResumeATenant() {
        String tenant = newTenant();
        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/pause", tenant)
                .then().statusCode(200).body("refreshPaused", equalTo(true));
        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/resume", tenant)
                .then().statusCode(200).body("refreshPaused", equalTo(false));
    }

    @Test
    void shouldReactivateOnlyAnIntegrationInError() {
        String tenant = newTenant();
        String id = given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(registration("dan@example.com"))
                .post("/admin/tenants/{t}/integrations", tenant).then().statusCode(201).extract().path("id");
        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/integrations/{id}/reactivate", tenant, id)
                .then().statusCode(409).body("detail", containsString("only an integration in error"));
    }

    @Test
    void shouldReactivateAnIntegrationInErrorAndAuditIt() {
        String tenant = newTenant();
        String id = given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(registration("erin@example.com"))
                .post("/admin/tenants/{t}/integrations", tenant).then().statusCode(201).extract().path("id");
        seeder.sql("UPDATE integration SET status = 'error', consecutive_failures = 5, last_error_code = 'http_503' WHERE id = :id",
                Map.of("id", UUID.fromString(id)));

        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/integrations/{id}/reactivate", tenant, id)
                .then().statusCode(200).body("status", equalTo("active")).body("consecutiveFailures", equalTo(0));

        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE integration_id = :id AND action = 'integration.reactivate'",
                Map.of("id", UUID.fromString(id)))).isEqualTo(1);
    }

    @Test
    void shouldServeOpenApiAndReadinessOnTheManagementInterfaceOnly() {
        Management.given().get("/q/openapi").then().statusCode(200).body(containsString("/admin/tenants"));
        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        for (String path : List.of("/q/openapi", "/q/health/ready", "/q/metrics")) {
            given().get(path).then().statusCode(404);
        }
    }
}
