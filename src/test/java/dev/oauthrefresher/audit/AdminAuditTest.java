package dev.oauthrefresher.audit;

import static dev.oauthrefresher.testsupport.TenantKeys.ADMIN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Management;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who the audit trail names, what it records, and the operator's paged read of it, over real HTTP and PostgreSQL. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class AdminAuditTest {

    /** {@code refresher.admin.named-tokens.ops-alice} of the test profile. */
    static final String ALICE = "Bearer test-admin-token-alice";

    @Inject
    Seeder seeder;

    @Inject
    MeterRegistry registry;

    @Test
    void shouldRecordTheNamedAdminTokensNameAsTheActor() {
        String tenant = seeder.tenant("named");
        given().header("Authorization", ALICE).post("/admin/tenants/{t}/pause", tenant).then().statusCode(200);

        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE tenant_id = :t AND action = 'tenant.pause' "
                + "AND actor = 'admin:ops-alice'", Map.of("t", tenant))).isEqualTo(1);
        given().header("Authorization", ALICE).get("/admin/tenants/{t}/audit", tenant).then().statusCode(200)
                .body("items[0].action", equalTo("tenant.pause")).body("items[0].actor", equalTo("admin:ops-alice"));
        // the plain list keeps its names
        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/resume", tenant).then().statusCode(200);
        assertThat(seeder.scalar("SELECT actor FROM audit_event WHERE tenant_id = :t AND action = 'tenant.resume'",
                Map.of("t", tenant)).toString()).matches("admin:[0-9a-f]{8}");
    }

    @Test
    void shouldRecordAKeysScopesAndCountKeysThatReadTokens() {
        String tenant = seeder.tenant("scopes");
        double before = tokenReadKeysCreated();
        String reader = createKey(tenant, List.of("integrations:read"));
        assertThat(tokenReadKeysCreated()).isEqualTo(before);
        String tokens = createKey(tenant, List.of("tokens:read", "integrations:read"));
        assertThat(tokenReadKeysCreated()).isEqualTo(before + 1);

        assertThat(seeder.scalar("SELECT detail FROM audit_event WHERE tenant_id = :t AND action = 'api-key.create' "
                + "AND detail LIKE :k", Map.of("t", tenant, "k", "key " + reader + "%"))).isEqualTo(
                "key " + reader + " scopes integrations:read");
        assertThat(seeder.scalar("SELECT detail FROM audit_event WHERE tenant_id = :t AND action = 'api-key.create' "
                + "AND detail LIKE :k", Map.of("t", tenant, "k", "key " + tokens + "%"))).isEqualTo(
                "key " + tokens + " scopes integrations:read tokens:read");
    }

    @Test
    void shouldAuditAdminReadsAndManualRefreshesUnderTheTokensName() {
        String tenant = seeder.tenant("reads");
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", FakeTokenEndpointResource.rotating(), 1,
                Instant.now().plus(2, ChronoUnit.HOURS)).get(0);

        given().header("Authorization", ALICE).get("/admin/tenants/{t}", tenant).then().statusCode(200);
        given().header("Authorization", ALICE).get("/admin/tenants/{t}/integrations", tenant).then().statusCode(200);
        given().header("Authorization", ALICE).get("/admin/tenants/{t}/integrations/{id}", tenant, row.id()).then().statusCode(200);
        given().header("Authorization", ALICE).get("/admin/tenants/{t}/api-keys", tenant).then().statusCode(200);
        String attempt = given().header("Authorization", ALICE)
                .post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                .then().statusCode(200).body("outcome", equalTo("refreshed")).extract().path("attemptId");

        for (String action : List.of("tenant.get", "integration.list", "integration.get", "api-key.list")) {
            assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE tenant_id = :t AND action = :a "
                    + "AND actor = 'admin:ops-alice'", Map.of("t", tenant, "a", action))).as(action).isEqualTo(1);
        }
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE tenant_id = :t AND action = 'integration.refresh' "
                + "AND actor = 'admin:ops-alice' AND integration_id = :id AND detail = :d",
                Map.of("t", tenant, "id", row.id(), "d", "attempt " + attempt))).isEqualTo(1);

        // a refresh that cannot be claimed is refused, and nothing claims it was done
        seeder.sql("UPDATE tenant SET refresh_paused = true WHERE id = :t", Map.of("t", tenant));
        given().header("Authorization", ALICE).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                .then().statusCode(409);
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE tenant_id = :t AND action = 'integration.refresh'",
                Map.of("t", tenant))).isEqualTo(1);
    }

    @Test
    void shouldPageATenantsTrailNewestFirstWithoutGapsOrRepeats() {
        String tenant = seeder.tenant("paging");
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        // seven rows, three of them at the same instant: the id orders those
        for (int i = 0; i < 7; i++) {
            seeder.sql("INSERT INTO audit_event (at, actor, action, tenant_id, detail) VALUES (:at, 'system', :a, :t, null)",
                    Map.of("at", java.sql.Timestamp.from(base.plusSeconds(i < 3 ? 0 : i)), "a", "step-" + i, "t", tenant));
        }
        seeder.sql("INSERT INTO audit_event (at, actor, action, tenant_id) VALUES (:at, 'system', 'elsewhere', 'other')",
                Map.of("at", java.sql.Timestamp.from(base.plusSeconds(4))));

        List<String> seen = new ArrayList<>();
        Response first = given().header("Authorization", ADMIN).queryParam("limit", 3).get("/admin/tenants/{t}/audit", tenant);
        first.then().statusCode(200).body("items", hasSize(3));
        seen.addAll(first.path("items.action"));
        Response second = given().header("Authorization", ADMIN).queryParam("limit", 3)
                .queryParam("before", first.<String>path("nextCursor")).get("/admin/tenants/{t}/audit", tenant);
        second.then().statusCode(200).body("items", hasSize(3));
        seen.addAll(second.path("items.action"));
        Response last = given().header("Authorization", ADMIN).queryParam("limit", 3)
                .queryParam("before", second.<String>path("nextCursor")).get("/admin/tenants/{t}/audit", tenant);
        last.then().statusCode(200).body("items", hasSize(1)).body("nextCursor", nullValue());
        seen.addAll(last.path("items.action"));

        assertThat(seen).containsExactly("step-6", "step-5", "step-4", "step-3", "step-2", "step-1", "step-0");
        // each read is audited, after its page was read: the next first page starts with them
        given().header("Authorization", ADMIN).queryParam("limit", 3).get("/admin/tenants/{t}/audit", tenant)
                .then().statusCode(200).body("items.action", equalTo(List.of("audit.read", "audit.read", "audit.read")));
    }

    @Test
    void shouldRefuseBadPagingNamingTheField() {
        String tenant = seeder.tenant("badpaging");
        for (String limit : List.of("0", "501", "ten")) {
            given().header("Authorization", ADMIN).queryParam("limit", limit).get("/admin/tenants/{t}/audit", tenant)
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("violations[0].field", equalTo("limit"));
        }
        for (String cursor : List.of("garbage!", "bm90LWEtY3Vyc29y", "MjAyNi0wMS0wMVQwMDowMDowMFp8eA")) {
            given().header("Authorization", ADMIN).queryParam("before", cursor).get("/admin/tenants/{t}/audit", tenant)
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("violations[0].field", equalTo("before"));
        }
        given().header("Authorization", ADMIN).get("/admin/tenants/{t}/audit", "no-such-tenant")
                .then().statusCode(404).contentType("application/problem+json");
        given().header("Authorization", "Bearer wrong").get("/admin/tenants/{t}/audit", tenant).then().statusCode(401);
    }

    @Test
    void shouldKeepEverySecretOutOfTheTrail() {
        String tenant = seeder.tenant("nosecret");
        String key = given().header("Authorization", ALICE).contentType(ContentType.JSON)
                .body(Map.of("name", "w", "scopes", List.of("tokens:read"))).post("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(201).extract().path("key");
        given().header("Authorization", ALICE).get("/admin/tenants/{t}/audit", tenant).then().statusCode(200)
                .body(org.hamcrest.Matchers.not(containsString(key)))
                .body(org.hamcrest.Matchers.not(containsString("test-admin-token")));
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE actor LIKE '%test-admin-token%' "
                + "OR detail LIKE '%test-admin-token%' OR detail LIKE '%orf_live_%' OR actor LIKE '%orf_live_%'", Map.of()))
                .isZero();
    }

    @Test
    void shouldDescribeTheAuditEndpointInOpenApi() {
        Map<String, Object> read = Management.given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().path("paths.'/admin/tenants/{tenantId}/audit'.get");
        assertThat(read).isNotNull();
        assertThat(read.toString()).contains("before").contains("limit").contains("AuditPage").contains("400");
    }

    private String createKey(String tenant, List<String> scopes) {
        return given().header("Authorization", ALICE).contentType(ContentType.JSON)
                .body(Map.of("name", "worker", "scopes", scopes)).post("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(201).extract().path("id");
    }

    private double tokenReadKeysCreated() {
        return registry.get("refresher.access.token.read.keys.created").counter().count();
    }
}
