package dev.oauthrefresher.tenant;

import static dev.oauthrefresher.testsupport.TenantKeys.ADMIN;
import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.Management;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.TenantKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A tenant's provider-group allow-list: set and read by operators, enforced on every registration, audited. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class ProviderGroupAllowListTest {

    @Inject
    Seeder seeder;

    static Map<String, Object> registration(String provider, String group) {
        return Map.of("provider", provider, "providerGroup", group, "externalAccount", UUID.randomUUID() + "@example.com",
                "accessToken", "at-allow-list-secret-value-1", "refreshToken", "rt-allow-list-secret-value-1",
                "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString());
    }

    static Response registerV1(String key, String provider, String group) {
        return given().header("Authorization", bearer(key)).contentType(ContentType.JSON)
                .body(registration(provider, group)).post("/v1/integrations");
    }

    static Response registerAdmin(String tenant, String provider, String group) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(registration(provider, group)).post("/admin/tenants/{t}/integrations", tenant);
    }

    static void allow(String tenant, List<String> groups) {
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(Map.of("providerGroups", groups))
                .put("/admin/tenants/{t}/provider-groups", tenant).then().statusCode(200);
    }

    @Test
    void shouldLetATenantWithoutAListUseEveryGroup() {
        String tenant = seeder.tenant("nolist");
        String key = TenantKeys.issue(tenant);
        given().header("Authorization", ADMIN).get("/admin/tenants/{t}/provider-groups", tenant).then().statusCode(200)
                .body("providerGroups", equalTo(List.of()));
        registerV1(key, "google", "fake-google").then().statusCode(201);
        registerV1(key, "oauth2", "fake-rotating").then().statusCode(201);
        registerAdmin(tenant, "google", "google-default").then().statusCode(201);
    }

    @Test
    void shouldAnswerAGroupOutsideTheListExactlyAsAGroupThatDoesNotExist() {
        String tenant = seeder.tenant("allowed");
        String key = TenantKeys.issue(tenant);
        allow(tenant, List.of("fake-google"));

        Response outside = registerV1(key, "oauth2", "fake-rotating");
        outside.then().statusCode(400).contentType("application/problem+json")
                .body("violations[0].field", equalTo("providerGroup"));
        Response unknown = registerV1(key, "oauth2", "no-such-group");
        unknown.then().statusCode(400);
        assertThat(outside.asString()).isEqualTo(unknown.asString()).doesNotContain("fake-google")
                .doesNotContain("fake-rotating").doesNotContain("google-default");
        // the same through the admin API, and for a group of the right type outside the list
        assertThat(registerAdmin(tenant, "google", "google-default").then().statusCode(400).extract().asString())
                .isEqualTo(registerAdmin(tenant, "google", "no-such-group").then().statusCode(400).extract().asString());

        registerV1(key, "google", "fake-google").then().statusCode(201);
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t", Map.of("t", tenant))).isEqualTo(1);

        // an empty list is every group again
        allow(tenant, List.of());
        registerV1(key, "oauth2", "fake-rotating").then().statusCode(201);
    }

    @Test
    void shouldKeepTheListInTheDatabaseAndAuditEveryChange() {
        String tenant = seeder.tenant("kept");
        given().header("Authorization", "Bearer test-admin-token-alice").contentType(ContentType.JSON)
                .body(Map.of("providerGroups", List.of("fake-rotating", "fake-google", "fake-google")))
                .put("/admin/tenants/{t}/provider-groups", tenant)
                .then().statusCode(200).body("providerGroups", equalTo(List.of("fake-google", "fake-rotating")));
        assertThat(seeder.count("SELECT count(*) FROM tenant_provider_group WHERE tenant_id = :t", Map.of("t", tenant)))
                .isEqualTo(2);
        given().header("Authorization", ADMIN).get("/admin/tenants/{t}/provider-groups", tenant).then().statusCode(200)
                .body("providerGroups", equalTo(List.of("fake-google", "fake-rotating")));
        allow(tenant, List.of());

        assertThat(seeder.scalar("SELECT detail FROM audit_event WHERE tenant_id = :t AND action = "
                + "'tenant.provider-groups.update' AND actor = 'admin:ops-alice'", Map.of("t", tenant)))
                .isEqualTo("all groups -> fake-google,fake-rotating");
        assertThat(seeder.scalar("SELECT detail FROM audit_event WHERE tenant_id = :t AND action = "
                + "'tenant.provider-groups.update' AND actor <> 'admin:ops-alice'", Map.of("t", tenant)))
                .isEqualTo("fake-google,fake-rotating -> all groups");
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE tenant_id = :t AND action = "
                + "'tenant.provider-groups.get'", Map.of("t", tenant))).isEqualTo(1);
    }

    @Test
    void shouldDescribeTheAllowListEndpointsInOpenApi() {
        Map<String, Object> path = Management.given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().path("paths.'/admin/tenants/{tenantId}/provider-groups'");
        assertThat(path).containsKeys("get", "put");
        assertThat(path.toString()).contains("ProviderGroupList").contains("400").contains("404");
    }

    @Test
    void shouldRefuseAnInvalidListNamingTheFieldAndAnUnknownTenant() {
        String tenant = seeder.tenant("badlist");
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(Map.of("providerGroups", List.of("Not A Group")))
                .put("/admin/tenants/{t}/provider-groups", tenant).then().statusCode(400)
                .contentType("application/problem+json").body("violations[0].field", startsWith("providerGroups"));
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{}")
                .put("/admin/tenants/{t}/provider-groups", tenant).then().statusCode(400)
                .body("violations[0].field", startsWith("providerGroups"));
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(Map.of("providerGroups", List.of()))
                .put("/admin/tenants/{t}/provider-groups", "no-such-tenant").then().statusCode(404);
        assertThat(seeder.count("SELECT count(*) FROM tenant_provider_group WHERE tenant_id = :t", Map.of("t", tenant)))
                .isZero();
    }
}
