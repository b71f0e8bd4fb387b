package dev.oauthrefresher.access;

import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.TestSecrets;
import static dev.oauthrefresher.testsupport.TenantKeys.ADMIN;
import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.Concurrently;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tenant API keys and the tenant integration API, over real HTTP against real PostgreSQL. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class TenantApiTest {

    static LogCapture logs;
    static final List<String> issuedKeys = new ArrayList<>();
    /** Callers of their own: a request that waits for a locked table must not hold a shared pool's only thread. */
    static final ExecutorService CALLERS = Executors.newCachedThreadPool();

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @BeforeAll
    static void captureLogs() {
        logs = LogCapture.install();
    }

    @AfterAll
    static void stopCallers() {
        CALLERS.shutdownNow();
    }

    @AfterAll
    static void noKeyWasLogged() {
        try {
            logs.assertContainsNone(issuedKeys);
        } finally {
            logs.close();
        }
    }

    String issue(String tenant, List<String> scopes) {
        String key = TenantKeys.issue(tenant, scopes);
        issuedKeys.add(key);
        return key;
    }

    String issue(String tenant) {
        return issue(tenant, TenantKeys.ALL_SCOPES);
    }

    static Map<String, Object> registration(String account) {
        return Map.of("provider", "google", "providerGroup", "fake-google", "externalAccount", account,
                "accessToken", "at-tenant-secret", "refreshToken", "rt-tenant-secret",
                "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString());
    }

    static Map<String, Object> newTokens(String suffix) {
        return Map.of("accessToken", "at-reconnected-" + suffix, "refreshToken", "rt-reconnected-" + suffix,
                "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString(), "scope", "email");
    }

    @Test
    void shouldShowAKeyOnceAndListItWithoutTheKeyButWithItsLastUse() {
        String tenant = seeder.tenant("keys");
        Response created = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "django-workers", "scopes", List.of("tokens:read", "integrations:read")))
                .post("/admin/tenants/{t}/api-keys", tenant);
        created.then().statusCode(201)
                .header("Cache-Control", containsString("no-store"))
                .body("key", startsWith("orf_live_"))
                .body("name", equalTo("django-workers"))
                .body("scopes", equalTo(List.of("integrations:read", "tokens:read")))
                .body("createdAt", notNullValue());
        String key = created.path("key");
        issuedKeys.add(key);
        assertThat(key).hasSize("orf_live_".length() + 43);

        String before = given().header("Authorization", ADMIN).get("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(200).body("items", hasSize(1)).body("items[0].lastUsedAt", nullValue())
                .extract().asString();
        given().header("Authorization", bearer(key)).get("/v1/integrations").then().statusCode(200);
        String after = given().header("Authorization", ADMIN).get("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(200).body("items[0].lastUsedAt", notNullValue()).extract().asString();

        assertThat(before + after).doesNotContain(key).doesNotContain(key.substring("orf_live_".length()));
        byte[] hash = (byte[]) seeder.scalar("SELECT key_hash FROM api_key WHERE tenant_id = :t", Map.of("t", tenant));
        assertThat(hash).hasSize(32).isEqualTo(ApiKeyMaterial.hash(key));
    }

    @Test
    void shouldRefuseInvalidKeyRequestsNamingTheField() {
        String tenant = seeder.tenant("badkeys");
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "scopes", List.of("tokens:write")))
                .post("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(400).contentType("application/problem+json")
                .body("violations[0].field", startsWith("scopes"))
                .body("detail", containsString("must be one of integrations:read"));
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "scopes", List.of()))
                .post("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(400).body("violations[0].field", equalTo("scopes"));
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "scopes", List.of("tokens:read")))
                .post("/admin/tenants/{t}/api-keys", "no-such-tenant").then().statusCode(404);
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "scopes", List.of("tokens:read")))
                .post("/admin/tenants/{t}/api-keys", tenant).then().statusCode(401);
    }

    @Test
    void shouldRefuseARevokedKeyAtOnce() {
        String tenant = seeder.tenant("revoke");
        String key = issue(tenant);
        given().header("Authorization", bearer(key)).get("/v1/integrations").then().statusCode(200);
        String keyId = given().header("Authorization", ADMIN).get("/admin/tenants/{t}/api-keys", tenant)
                .then().extract().path("items[0].id");

        given().header("Authorization", ADMIN).delete("/admin/tenants/{t}/api-keys/{k}", tenant, keyId).then().statusCode(204);

        given().header("Authorization", bearer(key)).get("/v1/integrations")
                .then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        given().header("Authorization", ADMIN).delete("/admin/tenants/{t}/api-keys/{k}", tenant, keyId).then().statusCode(204);
        given().header("Authorization", ADMIN).get("/admin/tenants/{t}/api-keys", tenant)
                .then().body("items[0].revokedAt", notNullValue());
        given().header("Authorization", ADMIN).delete("/admin/tenants/{t}/api-keys/{k}", seeder.tenant("other"), keyId)
                .then().statusCode(404);
    }

    @Test
    void shouldRefuseTheTenantApiWithoutAValidTenantKey() {
        given().get("/v1/integrations").then().statusCode(401);
        given().header("Authorization", ADMIN).get("/v1/integrations").then().statusCode(401);
        given().header("Authorization", "Bearer orf_live_" + "A".repeat(43)).get("/v1/integrations").then().statusCode(401);
        String tenant = seeder.tenant("adminonly");
        String key = issue(tenant);
        given().header("Authorization", bearer(key)).get("/admin/tenants/{t}", tenant).then().statusCode(401);
    }

    @Test
    void shouldAnswer403NamingTheMissingScope() {
        String tenant = seeder.tenant("scopes");
        String reader = issue(tenant, List.of("integrations:read"));
        Seeded row = seeder.integrations(tenant, "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS)).get(0);

        given().header("Authorization", bearer(reader)).contentType(ContentType.JSON).body(registration("s@example.com"))
                .post("/v1/integrations").then().statusCode(403).contentType("application/problem+json")
                .body("detail", containsString("integrations:write"));
        // checked before the body is read: a key without the scope learns nothing about what it sent
        given().header("Authorization", bearer(reader)).contentType(ContentType.JSON).body("{\"provider\": 1")
                .post("/v1/integrations").then().statusCode(403).body("detail", containsString("integrations:write"));
        given().header("Authorization", bearer(reader)).contentType(ContentType.JSON).body("{}")
                .post("/v1/integrations/{id}/access-token", row.id()).then().statusCode(403)
                .body("detail", containsString("tokens:read"));
        given().header("Authorization", bearer(reader)).delete("/v1/integrations/{id}", row.id()).then().statusCode(403);
        String tokensOnly = issue(tenant, List.of("tokens:read"));
        given().header("Authorization", bearer(tokensOnly)).get("/v1/integrations/{id}", row.id()).then().statusCode(403)
                .body("detail", containsString("integrations:read"));
        given().header("Authorization", bearer(reader)).get("/v1/integrations/{id}", row.id()).then().statusCode(200);
    }

    @Test
    void shouldRefuseAV1MethodWithoutAScopeToEveryKey() {
        String key = issue(seeder.tenant("failclosed"));
        given().header("Authorization", bearer(key)).get("/v1/test-only/unannotated")
                .then().statusCode(403).contentType("application/problem+json")
                .body("type", containsString("forbidden"));
        given().get("/v1/test-only/unannotated")
                .then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
    }

    @Test
    void shouldAuditAdminActionsUnderTheNameOfTheTokenUsed() throws Exception {
        String tenant = seeder.tenant("adminname");
        issue(tenant, List.of("tokens:read"));
        given().header("Authorization", "Bearer test-admin-token-next").post("/admin/tenants/{t}/pause", tenant)
                .then().statusCode(200);

        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE tenant_id = :t AND action = 'api-key.create' "
                + "AND actor = :a", Map.of("t", tenant, "a", adminName("test-admin-token")))).isEqualTo(1);
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE tenant_id = :t AND action = 'tenant.pause' "
                + "AND actor = :a", Map.of("t", tenant, "a", adminName("test-admin-token-next")))).isEqualTo(1);
    }

    /** {@code admin:} and the first 8 hex digits of the token's SHA-256, as docs/CONFIGURATION.md says. */
    static String adminName(String token) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        return "admin:" + HexFormat.of().formatHex(hash).substring(0, 8);
    }

    @Test
    void shouldRegisterListAndGetForTheKeysTenantOnlyAuditedWithTheKeyId() {
        String tenant = seeder.tenant("v1");
        String key = issue(tenant);
        Response created = given().header("Authorization", bearer(key)).contentType(ContentType.JSON)
                .body(registration("ann@example.com")).post("/v1/integrations");
        created.then().statusCode(201).header("Location", containsString("/v1/integrations/"))
                .body("tenantId", equalTo(tenant)).body("status", equalTo("active"));
        assertThat(created.asString()).doesNotContain("tenant-secret");
        String id = created.path("id");
        seeder.integrations(tenant, "oauth2", "fake-rotating", FakeTokenEndpointResource.rotating(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS));
        seeder.integrations(seeder.tenant("elsewhere"), "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS));

        given().header("Authorization", bearer(key)).get("/v1/integrations").then().statusCode(200)
                .body("total", equalTo(2)).body("items", hasSize(2));
        given().header("Authorization", bearer(key)).queryParam("provider", "google").get("/v1/integrations")
                .then().statusCode(200).body("total", equalTo(1)).body("items[0].id", equalTo(id));
        given().header("Authorization", bearer(key)).queryParam("status", "expired").get("/v1/integrations")
                .then().statusCode(200).body("total", equalTo(0));
        given().header("Authorization", bearer(key)).queryParam("status", "gone").get("/v1/integrations")
                .then().statusCode(400).body("violations[0].field", equalTo("status"));
        given().header("Authorization", bearer(key)).queryParam("limit", 0).get("/v1/integrations")
                .then().statusCode(400).body("violations[0].field", equalTo("limit"));
        // a parameter JAX-RS cannot convert is a bad request naming it, not a missing resource
        for (String[] bad : List.of(new String[] {"limit", "ten"}, new String[] {"offset", "-1"},
                new String[] {"offset", "99999999999"}, new String[] {"limit", "1.5"})) {
            given().header("Authorization", bearer(key)).queryParam(bad[0], bad[1]).get("/v1/integrations")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:oauth-refresher:problem:invalid-request"))
                    .body("violations[0].field", equalTo(bad[0]));
        }
        String one = given().header("Authorization", bearer(key)).get("/v1/integrations/{id}", id)
                .then().statusCode(200).body("externalAccount", equalTo("ann@example.com")).extract().asString();
        assertThat(one).doesNotContain("tenant-secret");

        String keyId = given().header("Authorization", ADMIN).get("/admin/tenants/{t}/api-keys", tenant)
                .then().extract().path("items[0].id");
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE actor = :a AND action = 'integration.register' "
                + "AND integration_id = :id", Map.of("a", "api-key:" + keyId, "id", UUID.fromString(id)))).isEqualTo(1);
    }

    @Test
    void shouldAnswer404ForAnotherTenantsIntegrationOnEveryEndpoint() {
        String owner = seeder.tenant("owner");
        Seeded theirs = seeder.integrations(owner, "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        String intruder = issue(seeder.tenant("intruder"));
        String auth = bearer(intruder);

        given().header("Authorization", auth).get("/v1/integrations/{id}", theirs.id()).then().statusCode(404)
                .contentType("application/problem+json");
        given().header("Authorization", auth).contentType(ContentType.JSON).body(newTokens("intruder"))
                .put("/v1/integrations/{id}/tokens", theirs.id()).then().statusCode(404);
        given().header("Authorization", auth).delete("/v1/integrations/{id}", theirs.id()).then().statusCode(404);
        given().header("Authorization", auth).contentType(ContentType.JSON).body("{}")
                .post("/v1/integrations/{id}/access-token", theirs.id()).then().statusCode(404);
        given().header("Authorization", auth).get("/v1/integrations").then().statusCode(200).body("total", equalTo(0));

        assertThat(seeder.column(theirs.id(), "status")).isEqualTo("active");
        assertThat(tokenStore.load(TestSecrets.of(theirs.id())).await().indefinitely()
                .orElseThrow().tokens().accessToken().reveal()).startsWith("at-initial-");
    }

    @Test
    void shouldReconnectAnExpiredAndAnErroredIntegrationBackToActive() {
        String tenant = seeder.tenant("reconnect");
        String key = issue(tenant);
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", FakeTokenEndpointResource.google(), 2,
                Instant.now().minus(1, ChronoUnit.HOURS));
        seeder.sql("UPDATE integration SET status = 'expired', last_error_code = 'invalid_grant' WHERE id = :id",
                Map.of("id", rows.get(0).id()));
        seeder.sql("UPDATE integration SET status = 'error', consecutive_failures = 7, first_failure_at = now(), "
                + "next_attempt_at = now() + interval '1 hour', last_error_code = 'temporarily_unavailable' WHERE id = :id",
                Map.of("id", rows.get(1).id()));

        for (Seeded row : rows) {
            given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body("{}")
                    .post("/v1/integrations/{id}/access-token", row.id()).then().statusCode(424);
            String from = (String) seeder.column(row.id(), "status");
            given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body(newTokens(from))
                    .put("/v1/integrations/{id}/tokens", row.id())
                    .then().statusCode(200).body("status", equalTo("active")).body("consecutiveFailures", equalTo(0))
                    .body("nextAttemptAt", nullValue()).body("lastErrorCode", nullValue());
            given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body("{}")
                    .post("/v1/integrations/{id}/access-token", row.id())
                    .then().statusCode(200).body("accessToken", equalTo("at-reconnected-" + from))
                    .body("refreshed", equalTo(false));
            assertThat(tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow()
                    .tokens().refreshToken().reveal()).isEqualTo("rt-reconnected-" + from);
            assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'integration.reconnect' "
                    + "AND integration_id = :id AND detail = :d", Map.of("id", row.id(), "d", from + " -> active"))).isEqualTo(1);
        }
        given().header("Authorization", bearer(key)).contentType(ContentType.JSON)
                .body(Map.of("accessToken", "a", "refreshToken", "r"))
                .put("/v1/integrations/{id}/tokens", rows.get(0).id())
                .then().statusCode(400).body("violations[0].field", equalTo("accessTokenExpiresAt"));
    }

    @Test
    void shouldDropTheOldGrantsPendingRotationWhenReconnectingSoNoReplicaOverwritesTheNewTokens() {
        String tenant = seeder.tenant("reconnectpending");
        String key = issue(tenant);
        // what a replica that died after sealing a rotation (the vault refusing it) leaves behind
        Seeded row = withPendingRotation(tenant);

        given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body(newTokens("pending"))
                .put("/v1/integrations/{id}/tokens", row.id())
                .then().statusCode(200).body("status", equalTo("active"));

        assertThat(seeder.count("SELECT count(*) FROM pending_rotation WHERE integration_id = :id", Map.of("id", row.id())))
                .isZero();
        assertThat(storedRefreshToken(row)).isEqualTo("rt-reconnected-pending");
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'integration.reconnect' AND integration_id = :id "
                + "AND detail LIKE '%superseding a pending rotation%'", Map.of("id", row.id()))).as("the takeover, audited").isEqualTo(1);
    }

    @Test
    void shouldAnswer409RotationPendingToReconnectAndDisconnectWhileALiveReplicaHoldsAPendingRotation() {
        String tenant = seeder.tenant("pendingheld");
        String key = issue(tenant);
        // a live replica holds the row while the vault refuses its rotated token
        Seeded row = withPendingRotation(tenant);
        seeder.sql("UPDATE integration SET lease_owner = 'host/alive', lease_expires_at = now() + interval '5 minutes' WHERE id = :id",
                Map.of("id", row.id()));
        String stored = storedRefreshToken(row);

        // both at once: each waits for the lease as long as a refresh could hold it, then answers
        CompletableFuture<Response> reconnect = CompletableFuture.supplyAsync(() -> given().header("Authorization", bearer(key))
                .contentType(ContentType.JSON).body(newTokens("refused")).put("/v1/integrations/{id}/tokens", row.id()));
        CompletableFuture<Response> disconnect = CompletableFuture.supplyAsync(() -> given().header("Authorization", bearer(key))
                .delete("/v1/integrations/{id}", row.id()));

        for (Response refused : List.of(reconnect.join(), disconnect.join())) {
            refused.then().statusCode(409).contentType("application/problem+json").body("type", containsString("rotation-pending"))
                    .header("Retry-After", notNullValue());
            assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 300L);
        }
        assertThat(storedRefreshToken(row)).as("the stored refresh token").isEqualTo(stored);
        assertThat(seeder.count("SELECT count(*) FROM pending_rotation WHERE integration_id = :id", Map.of("id", row.id()))).isEqualTo(1);
        assertThat(seeder.column(row.id(), "lease_owner")).isEqualTo("host/alive");
    }

    /** A rotating integration with a rotation sealed in {@code pending_rotation} (its bytes a stub nobody opens). */
    private Seeded withPendingRotation(String tenant) {
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", FakeTokenEndpointResource.rotating(), 1,
                Instant.now().minus(1, ChronoUnit.HOURS)).get(0);
        seeder.sql("INSERT INTO pending_rotation (integration_id, sealed_tokens, key_id, started_at) "
                + "VALUES (:id, decode('00', 'hex'), 'another-key', now())", Map.of("id", row.id()));
        return row;
    }

    private String storedRefreshToken(Seeded row) {
        return tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow().tokens().refreshToken().reveal();
    }

    @Test
    void shouldDisconnectDeletingTheTokensAndAnswer204AgainThen404ForGet() {
        String tenant = seeder.tenant("disconnect");
        String key = issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS)).get(0);

        given().header("Authorization", bearer(key)).delete("/v1/integrations/{id}", row.id()).then().statusCode(204);

        assertThat(tokenStore.load(TestSecrets.of(row.id())).await().indefinitely()).isEmpty();
        given().header("Authorization", bearer(key)).get("/v1/integrations/{id}", row.id()).then().statusCode(404);
        given().header("Authorization", bearer(key)).delete("/v1/integrations/{id}", row.id()).then().statusCode(204);
        given().header("Authorization", bearer(issue(seeder.tenant("stranger")))).delete("/v1/integrations/{id}", row.id())
                .then().statusCode(404);
        given().header("Authorization", bearer(key)).delete("/v1/integrations/{id}", UUID.randomUUID()).then().statusCode(404);
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'integration.disconnect' AND integration_id = :id",
                Map.of("id", row.id()))).isEqualTo(1);
    }

    @Test
    void shouldRefuseABadKeySeenBeforeFromMemoryWithoutADatabaseQuery() throws Exception {
        String bad = unknownKey();
        given().header("Authorization", bearer(bad)).get("/v1/integrations").then().statusCode(401);

        CompletableFuture<Response> unseen;
        try (Connection locked = lockApiKeys(); Connection observer = connect()) {
            within(Duration.ofSeconds(5), () -> given().header("Authorization", bearer(bad)).get("/v1/integrations"))
                    .then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
            assertThat(lookupsWaiting(observer)).isZero();
            // the control: a key never seen is looked up, and the lookup waits for the lock
            unseen = CompletableFuture.supplyAsync(() -> given().header("Authorization", bearer(unknownKey()))
                    .get("/v1/integrations"), CALLERS);
            Poll.until("the unseen key's lookup waiting for the table", Duration.ofSeconds(10),
                    () -> lookupsWaiting(observer) == 1);
            assertThat(unseen).isNotDone();
        }
        unseen.get(30, TimeUnit.SECONDS).then().statusCode(401);
    }

    @Test
    void shouldAnswer429NamingTheFailedAuthBudgetWithoutAQueryOnceItIsSpentWhileRecentKeysKeepWorking() throws Exception {
        String tenant = seeder.tenant("authbudget");
        String key = issue(tenant);
        given().header("Authorization", bearer(key)).get("/v1/integrations").then().statusCode(200);
        String seenBad = unknownKey();
        given().header("Authorization", bearer(seenBad)).get("/v1/integrations").then().statusCode(401);

        // wrong admin tokens cost no query, but they spend the same budget: until the first 429
        Response spent = null;
        for (int i = 0; i < 200 && spent == null; i++) {
            Response r = given().header("Authorization", "Bearer not-an-admin-token").get("/admin/tenants/{t}", tenant);
            if (r.statusCode() == 429) {
                spent = r;
            } else {
                r.then().statusCode(401);
            }
        }
        long spentAt = System.nanoTime();
        assertThat(spent).as("a refusal once the budget was spent").isNotNull();
        spent.then().contentType("application/problem+json")
                .body("type", equalTo("urn:oauth-refresher:problem:failed-auth-budget"))
                .body("detail", containsString("refresher.access.failed-authentications-per-second"));
        assertThat(Long.parseLong(spent.header("Retry-After"))).isBetween(1L, 2L);

        List<CompletableFuture<Response>> unseen = new ArrayList<>();
        try (Connection locked = lockApiKeys(); Connection observer = connect()) {
            // twenty keys never seen, at once: only the lookups the refilling budget allows may wait for the locked table
            for (int i = 0; i < 20; i++) {
                String auth = bearer(unknownKey());
                unseen.add(CompletableFuture.supplyAsync(() -> given().header("Authorization", auth).get("/v1/integrations"),
                        CALLERS));
            }
            Poll.until("every key answered or its lookup waiting for the table", Duration.ofSeconds(10),
                    () -> unseen.stream().filter(CompletableFuture::isDone).count() + lookupsWaiting(observer) == unseen.size());
            double seconds = (System.nanoTime() - spentAt) / 1e9;
            List<Response> answered = unseen.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join).toList();
            assertThat(answered).as("answered while api_key is locked: refused without a lookup")
                    .isNotEmpty().allMatch(r -> r.statusCode() == 429);
            assertThat(lookupsWaiting(observer)).as("lookups the budget allowed in %.1f s", seconds)
                    .isLessThanOrEqualTo(1 + (long) Math.ceil(10 * seconds));

            // meanwhile, what this replica knows is answered from memory
            within(Duration.ofSeconds(5), () -> given().header("Authorization", bearer(key)).get("/v1/integrations"))
                    .then().statusCode(200);
            within(Duration.ofSeconds(5), () -> given().header("Authorization", bearer(seenBad)).get("/v1/integrations"))
                    .then().statusCode(401);
            within(Duration.ofSeconds(5), () -> given().header("Authorization", ADMIN).get("/admin/tenants/{t}", tenant))
                    .then().statusCode(200);
        } finally {
            for (CompletableFuture<Response> r : unseen) {
                r.get(30, TimeUnit.SECONDS);
            }
            Poll.until("the failed-auth budget refilled", Duration.ofSeconds(10),
                    () -> given().header("Authorization", bearer(unknownKey())).get("/v1/integrations").statusCode() == 401);
            // the bucket holds a whole burst again one burst's worth of refill (10 at 10/s) after that last lookup: the
            // next test's new keys each need a permit for their first lookup
            long refilledAt = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            Poll.until("a whole burst refilled", Duration.ofSeconds(5), () -> System.nanoTime() >= refilledAt);
        }
    }

    @Test
    void shouldThrottleEachBlockingTenantOperationPerTenantNamingTheBudgetButNeitherReadsNorOtherTenants() throws Exception {
        Map<String, Function<String, Response>> operations = Map.of(
                "register", auth -> given().header("Authorization", auth).contentType(ContentType.JSON)
                        .body("{}").post("/v1/integrations"),
                "reconnect", auth -> given().header("Authorization", auth).contentType(ContentType.JSON)
                        .body(newTokens("budget")).put("/v1/integrations/{id}/tokens", UUID.randomUUID()),
                "disconnect", auth -> given().header("Authorization", auth).delete("/v1/integrations/{id}", UUID.randomUUID()),
                "create endpoint", auth -> given().header("Authorization", auth).contentType(ContentType.JSON)
                        .body("{}").post("/v1/webhook-endpoints"),
                "delete endpoint", auth -> given().header("Authorization", auth)
                        .delete("/v1/webhook-endpoints/{id}", UUID.randomUUID()),
                "rotate secret", auth -> given().header("Authorization", auth)
                        .post("/v1/webhook-endpoints/{id}/rotate-secret", UUID.randomUUID()));

        for (Map.Entry<String, Function<String, Response>> operation : operations.entrySet()) {
            String tenant = seeder.tenant("opbudget");
            // three keys, each well within its own rate (10/s in tests), twenty-seven calls against the tenant's 10/s
            List<String> keys = List.of(issue(tenant), issue(tenant), issue(tenant));
            AtomicInteger next = new AtomicInteger();
            List<Response> answers = Concurrently.run(27, () -> operation.getValue().apply(bearer(keys.get(next.getAndIncrement() % 3))));

            List<Response> refused = answers.stream().filter(r -> r.statusCode() == 429).toList();
            assertThat(refused).as(operation.getKey() + ": refused past the tenant's budget").isNotEmpty();
            assertThat(answers).as(operation.getKey() + ": the calls within it reached the service")
                    .anyMatch(r -> r.statusCode() == 400 || r.statusCode() == 404);
            for (Response r : refused) {
                r.then().contentType("application/problem+json")
                        .body("type", equalTo("urn:oauth-refresher:problem:tenant-operation-budget"))
                        .body("detail", containsString("refresher.access.tenant-operations-per-second"));
                assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 2L);
            }
            given().header("Authorization", bearer(keys.get(0))).get("/v1/integrations").then().statusCode(200);
        }
        String other = issue(seeder.tenant("opbudget-other"));
        given().header("Authorization", bearer(other)).delete("/v1/integrations/{id}", UUID.randomUUID()).then().statusCode(404);
    }

    /** A value shaped like a key that no tenant holds. */
    static String unknownKey() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return "orf_live_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    static Connection connect() throws Exception {
        return DriverManager.getConnection(EmbeddedPostgresResource.jdbcUrl(), "postgres", "postgres");
    }

    /** Queries of {@code api_key} that wait for a lock: lookups this replica sent while the table is locked. */
    static long lookupsWaiting(Connection observer) {
        try (Statement statement = observer.createStatement();
                var result = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        + "AND query ILIKE '%from api_key%'")) {
            result.next();
            return result.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An open transaction holding {@code api_key} exclusively: any query of a key's row waits until it is closed. */
    static Connection lockApiKeys() throws Exception {
        Connection connection = connect();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE api_key IN ACCESS EXCLUSIVE MODE");
        }
        return connection;
    }

    /** The answer of {@code request}, which must come within {@code atMost}: one that waited for a query fails the test. */
    static Response within(Duration atMost, Supplier<Response> request) throws Exception {
        return CompletableFuture.supplyAsync(request, CALLERS).get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }
}
