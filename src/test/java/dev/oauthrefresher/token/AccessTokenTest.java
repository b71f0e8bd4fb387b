package dev.oauthrefresher.token;

import dev.oauthrefresher.refresh.run.RefreshService;
import dev.oauthrefresher.refresh.run.RefreshTask;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.TestSecrets;
import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import dev.oauthrefresher.cron.RunRequest;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import dev.oauthrefresher.cron.TriggerKind;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/integrations/{id}/access-token} against real PostgreSQL and stateful fake token endpoints. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class AccessTokenTest {

    static final int CALLERS = 50;

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @Inject
    RefreshService service;

    @Inject
    MeterRegistry registry;

    double count(String meter, String... tags) {
        return registry.find(meter).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();
    final FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();

    @AfterEach
    void clearFaults() {
        google.clearFault();
        rotating.clearFault();
        rotating.latency(Duration.ZERO);
    }

    static Response accessToken(String key, UUID id, String body) {
        return given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body(body)
                .post("/v1/integrations/{id}/access-token", id);
    }

    @Test
    void shouldServeAStillValidTokenFromTheStoreWithoutTheRefreshTokenAndAuditIt() {
        String tenant = seeder.tenant("serve");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);

        Response answer = accessToken(key, row.id(), "{\"minValidSeconds\": 300}");

        answer.then().statusCode(200).header("Cache-Control", "no-store")
                .body("accessToken", equalTo("at-initial-" + row.grant()))
                .body("tokenType", equalTo("Bearer")).body("expiresAt", notNullValue())
                .body("refreshed", equalTo(false));
        assertThat(answer.asString()).doesNotContain("rt-").doesNotContain("refreshToken").doesNotContain("refresh_token");
        assertThat(google.successes(row.grant())).isZero();
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'token.read' AND integration_id = :id "
                + "AND actor LIKE 'api-key:%' AND detail = 'refreshed=false outcome=issued'", Map.of("id", row.id()))).isEqualTo(1);
    }

    @Test
    void shouldWithholdTheTokenWhenItsAuditRowCannotBeWritten() {
        String tenant = seeder.tenant("unaudited");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        // PostgreSQL itself refuses this tenant's audit rows (a real refusal, not a mocked writer); the audit is written
        // in its own group commit, so the token must not leave when that commit fails
        String constraint = "refuse_" + tenant.replaceAll("[^a-z0-9]", "_");
        seeder.sql("ALTER TABLE audit_event ADD CONSTRAINT " + constraint + " CHECK (tenant_id <> '" + tenant + "') NOT VALID",
                Map.of());
        try {
            Response answer = accessToken(key, row.id(), "{}");

            answer.then().statusCode(503).contentType(containsString("application/problem+json"))
                    .header("Retry-After", notNullValue()).body("type", containsString("audit-unavailable"));
            assertThat(answer.asString()).doesNotContain("at-initial-").doesNotContain(row.grant());
            assertThat(count("refresher.access.token.reads", "outcome", "audit_failed")).isPositive();
        } finally {
            seeder.sql("ALTER TABLE audit_event DROP CONSTRAINT " + constraint, Map.of());
        }
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE integration_id = :id", Map.of("id", row.id()))).isZero();
        accessToken(key, row.id(), "{}").then().statusCode(200).body("accessToken", equalTo("at-initial-" + row.grant()));
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'token.read' AND integration_id = :id",
                Map.of("id", row.id()))).isEqualTo(1);
    }

    @Test
    void shouldRefreshOnDemandWhenTheStoredTokenIsNotValidLongEnough() {
        String tenant = seeder.tenant("ondemand");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);

        String token = accessToken(key, row.id(), "{\"minValidSeconds\": 300}").then().statusCode(200)
                .body("refreshed", equalTo(true)).extract().path("accessToken");

        assertThat(google.successes(row.grant())).isEqualTo(1);
        assertThat(token).isNotEqualTo("at-initial-" + row.grant());
        assertThat(seeder.instant(row.id(), "access_token_expires_at")).isAfter(Instant.now().plus(50, ChronoUnit.MINUTES));
        accessToken(key, row.id(), "{}").then().statusCode(200).body("accessToken", equalTo(token)).body("refreshed", equalTo(false));
        assertThat(seeder.count("SELECT count(*) FROM refresh_attempt WHERE integration_id = :id AND outcome = 'refreshed'",
                Map.of("id", row.id()))).isEqualTo(1);
    }

    @Test
    void shouldRewriteTheWholeDocumentInTheStoreAtEveryRefreshWithTheDefaultWriteAccessTokens() {
        String tenant = seeder.tenant("rewrite");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);
        String versionBefore = tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow().version();

        String token = accessToken(key, row.id(), "{\"minValidSeconds\": 300}").then().statusCode(200)
                .body("refreshed", equalTo(true)).extract().path("accessToken");

        // refresher.token-store.write-access-tokens=true (this boot's default): the refresh token did not change, and the
        // document is written again all the same, with the new access token, for hosts that read the store directly
        TokenStore.Versioned stored = tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow();
        assertThat(stored.version()).as("the document written again").isNotEqualTo(versionBefore);
        assertThat(stored.tokens().accessToken().reveal()).isEqualTo(token);
        assertThat(stored.tokens().refreshToken().reveal()).isEqualTo(google.latestRefreshToken(row.grant()));
        assertThat(seeder.column(row.id(), "access_token_sealed")).as("and beside the row").isNotNull();
    }

    @Test
    void shouldGiveFiftyConcurrentCallersAndAnOverlappingRunOneProviderCallAndTheSameNewToken() throws Exception {
        String tenant = seeder.tenant("singleflight");
        // five callers per key, so the per-key rate limit is not what this test measures
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < CALLERS / 5; i++) {
            keys.add(TenantKeys.issue(tenant));
        }
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1,
                Instant.now().minus(1, ChronoUnit.MINUTES)).get(0);
        rotating.latency(Duration.ofMillis(300));
        int callsBefore = rotating.calls();
        double joinsBefore = count("refresher.access.singleflight.joins", "what", "refresh");
        double answeredBefore = count("refresher.access.token.reads", "outcome", "refreshed")
                + count("refresher.access.token.reads", "outcome", "served");
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS + 1);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        Future<TaskResult> run;
        try {
            for (int i = 0; i < CALLERS; i++) {
                String key = keys.get(i % keys.size());
                answers.add(pool.submit(() -> {
                    start.await();
                    return accessToken(key, row.id(), "{\"minValidSeconds\": 60}");
                }));
            }
            run = pool.submit(() -> {
                start.await();
                return service.run(new TaskRun(UUID.randomUUID(), TriggerKind.MANUAL,
                        new RunRequest(tenant, null, null, null, false), Instant.now().plusSeconds(30)), RefreshTask.NAME)
                        .await().atMost(Duration.ofSeconds(60));
            });
            start.countDown();
            List<String> tokens = new ArrayList<>();
            for (Future<Response> answer : answers) {
                Response r = answer.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
                tokens.add(r.path("accessToken"));
            }
            run.get(60, TimeUnit.SECONDS);

            assertThat(rotating.calls() - callsBefore).as("token endpoint calls").isEqualTo(1);
            assertThat(rotating.successes(row.grant())).isEqualTo(1);
            assertThat(tokens).hasSize(CALLERS).doesNotContain("at-initial-" + row.grant());
            assertThat(tokens.stream().distinct().toList()).as("distinct tokens").hasSize(1);
            assertThat(count("refresher.access.singleflight.joins", "what", "refresh") - joinsBefore).isPositive();
            // a caller that reads the row after the refresh committed is served the new token from the store
            assertThat(count("refresher.access.token.reads", "outcome", "refreshed")
                    + count("refresher.access.token.reads", "outcome", "served") - answeredBefore).isEqualTo(CALLERS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(seeder.column(row.id(), "status")).isEqualTo("active");
        assertThat(tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow()
                .tokens().refreshToken().reveal()).isEqualTo(rotating.latestRefreshToken(row.grant()));
        // the grant still works: the stored, rotated refresh token is accepted
        rotating.latency(Duration.ZERO);
        given().header("Authorization", TenantKeys.ADMIN).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                .then().statusCode(200).body("outcome", equalTo("refreshed"));
        assertThat(rotating.successes(row.grant())).isEqualTo(2);
    }

    @Test
    void shouldWaitForARunThatHoldsTheLeaseAndServeItsResult() throws Exception {
        String tenant = seeder.tenant("waitrun");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1,
                Instant.now().minus(1, ChronoUnit.MINUTES)).get(0);
        rotating.latency(Duration.ofMillis(1500));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<TaskResult> run = pool.submit(() -> service.run(new TaskRun(UUID.randomUUID(), TriggerKind.MANUAL,
                    new RunRequest(tenant, null, null, null, false), Instant.now().plusSeconds(30)), RefreshTask.NAME)
                    .await().atMost(Duration.ofSeconds(60)));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (seeder.column(row.id(), "lease_owner") == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(seeder.column(row.id(), "lease_owner")).as("the run holds the lease").isNotNull();

            accessToken(key, row.id(), "{}").then().statusCode(200).body("refreshed", equalTo(true));

            assertThat(run.get(60, TimeUnit.SECONDS).refreshed()).isEqualTo(1);
            assertThat(rotating.successes(row.grant())).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldAnswer424WhenTheGrantIsRevoked() {
        String tenant = seeder.tenant("revoked");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().minus(1, ChronoUnit.MINUTES)).get(0);
        google.revoke(row.grant());

        accessToken(key, row.id(), "{}").then().statusCode(424).contentType("application/problem+json")
                .body("type", equalTo("urn:oauth-refresher:problem:reconnect-required"));
        assertThat(seeder.column(row.id(), "status")).isEqualTo("expired");
        double before = count("refresher.access.token.reconnect.required");
        accessToken(key, row.id(), "{}").then().statusCode(424);
        assertThat(count("refresher.access.token.reconnect.required") - before).isEqualTo(1);
    }

    @Test
    void shouldAnswer503WithRetryAfterWhileTheProviderFailsAndWhileBackingOff() {
        String tenant = seeder.tenant("failing");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().minus(1, ChronoUnit.MINUTES)).get(0);
        google.fault(FakeTokenEndpoint.Fault.of(503, "{\"error\":\"temporarily_unavailable\"}"));

        String retryAfter = accessToken(key, row.id(), "{}").then().statusCode(503).contentType("application/problem+json")
                .header("Retry-After", notNullValue()).extract().header("Retry-After");
        assertThat(Long.parseLong(retryAfter)).isPositive();
        int calls = google.calls();

        accessToken(key, row.id(), "{}").then().statusCode(503).header("Retry-After", notNullValue())
                .body("detail", containsString("backing off"));
        assertThat(google.calls()).as("no provider call while backing off").isEqualTo(calls);
    }

    @Test
    void shouldHonourForceRefreshOncePerIntervalAndValidateTheBody() {
        String tenant = seeder.tenant("force");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        seeder.sql("UPDATE integration SET last_refreshed_at = now() - interval '1 hour' WHERE id = :id", Map.of("id", row.id()));

        String forced = accessToken(key, row.id(), "{\"forceRefresh\": true}").then().statusCode(200)
                .body("refreshed", equalTo(true)).extract().path("accessToken");
        accessToken(key, row.id(), "{\"forceRefresh\": true}").then().statusCode(200)
                .body("refreshed", equalTo(false)).body("accessToken", equalTo(forced));

        assertThat(google.successes(row.grant())).isEqualTo(1);
        accessToken(key, row.id(), "{\"minValidSeconds\": -1}").then().statusCode(400)
                .body("violations[0].field", equalTo("minValidSeconds"));
    }

    @Test
    void shouldRateLimitEachKeyWith429AndRetryAfter() throws Exception {
        String tenant = seeder.tenant("ratelimit");
        String key = TenantKeys.issue(tenant);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                answers.add(pool.submit(() -> given().header("Authorization", bearer(key)).get("/v1/integrations")));
            }
            List<Response> limited = new ArrayList<>();
            for (Future<Response> f : answers) {
                Response r = f.get(60, TimeUnit.SECONDS);
                if (r.statusCode() == 429) {
                    limited.add(r);
                } else {
                    assertThat(r.statusCode()).isEqualTo(200);
                }
            }
            assertThat(limited).isNotEmpty();
            assertThat(limited.get(0).header("Retry-After")).isNotNull();
            assertThat(limited.get(0).contentType()).startsWith("application/problem+json");
        } finally {
            pool.shutdownNow();
        }
        given().header("Authorization", bearer(TenantKeys.issue(tenant))).get("/v1/integrations").then().statusCode(200);
    }

    @Test
    void shouldServeTheFreshestTokenWithItsRealExpiryInsteadOfRefreshingPerRequestWhenMinValidExceedsTheLifetime() {
        String tenant = seeder.tenant("longer");
        // four keys, so twenty quick requests stay inside each key's own rate limit
        List<String> keys = List.of(TenantKeys.issue(tenant), TenantKeys.issue(tenant), TenantKeys.issue(tenant),
                TenantKeys.issue(tenant));
        String key = keys.get(0);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);

        // the provider issues one-hour tokens; the worker asks for a day, twenty times
        String first = accessToken(key, row.id(), "{\"minValidSeconds\": 86400}").then().statusCode(200)
                .body("refreshed", equalTo(true)).body("minValidSatisfied", equalTo(false)).extract().path("accessToken");
        for (int i = 0; i < 19; i++) {
            Response again = accessToken(keys.get(i % keys.size()), row.id(), "{\"minValidSeconds\": 86400}");
            again.then().statusCode(200).body("accessToken", equalTo(first)).body("refreshed", equalTo(false))
                    .body("minValidSatisfied", equalTo(false));
            assertThat(Instant.parse(again.path("expiresAt"))).as("the real expiry, not the one asked for")
                    .isBetween(Instant.now().plus(55, ChronoUnit.MINUTES), Instant.now().plus(61, ChronoUnit.MINUTES));
        }

        assertThat(google.successes(row.grant())).as("provider calls for twenty requests").isEqualTo(1);
        accessToken(key, row.id(), "{\"minValidSeconds\": 300}").then().statusCode(200)
                .body("accessToken", equalTo(first)).body("minValidSatisfied", equalTo(true));
    }

    @Test
    void shouldStillRefreshOnDemandATokenTheHostHandedInHoweverRecently() {
        String tenant = seeder.tenant("handedin");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);
        // registered a moment ago: the floor counts only from refreshes this service made
        seeder.sql("UPDATE integration SET last_refreshed_at = now(), last_attempt_at = NULL WHERE id = :id", Map.of("id", row.id()));

        accessToken(key, row.id(), "{\"minValidSeconds\": 300}").then().statusCode(200)
                .body("refreshed", equalTo(true)).body("minValidSatisfied", equalTo(true));
        assertThat(google.successes(row.grant())).isEqualTo(1);
    }

    @Test
    void shouldHoldEachTenantToItsOnDemandRefreshBudgetWith429NamingIt() throws Exception {
        String tenant = seeder.tenant("budget");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 40, Instant.now().plus(2, ChronoUnit.MINUTES));
        // eight keys, so each key stays well inside its own rate and only the tenant's refresh budget is met
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            keys.add(TenantKeys.issue(tenant));
        }
        long started = System.nanoTime();
        List<Response> answers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(40);
        try {
            List<Future<Response>> pending = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                String key = keys.get(i % keys.size());
                UUID id = rows.get(i).id();
                pending.add(pool.submit(() -> accessToken(key, id, "{\"minValidSeconds\": 300}")));
            }
            for (Future<Response> f : pending) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        double elapsedSeconds = (System.nanoTime() - started) / 1e9;

        List<Response> refused = answers.stream().filter(r -> r.statusCode() == 429).toList();
        assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 429));
        long refreshed = answers.stream().filter(r -> r.statusCode() == 200).count();
        // the default budget: 10 a second, a burst of 10
        assertThat(refreshed).as("refreshes started in %.1f s", elapsedSeconds).isLessThanOrEqualTo(10 + (long) Math.ceil(10 * elapsedSeconds));
        assertThat(refused).isNotEmpty();
        refused.get(0).then().contentType("application/problem+json").header("Retry-After", notNullValue())
                .body("type", containsString("tenant-refresh-budget"))
                .body("detail", containsString("refresher.on-demand.tenant-refreshes-per-second"));
        assertThat(rows.stream().mapToLong(r -> google.successes(r.grant())).sum()).isEqualTo(refreshed);

        // another tenant is not held back by this one's spent budget
        String quiet = seeder.tenant("budget-quiet");
        Seeded other = seeder.integrations(quiet, "google", "fake-google", google, 1, Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);
        accessToken(TenantKeys.issue(quiet), other.id(), "{\"minValidSeconds\": 300}").then().statusCode(200)
                .body("refreshed", equalTo(true));
    }
}
