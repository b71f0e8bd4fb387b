package dev.oauthrefresher.refresh;

import dev.oauthrefresher.refresh.attempt.RefreshMetrics;
import dev.oauthrefresher.refresh.run.RefreshService;
import dev.oauthrefresher.refresh.run.RefreshTask;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.TestSecrets;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.cron.RunRequest;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import dev.oauthrefresher.cron.TriggerKind;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The refresh pipeline end to end: real PostgreSQL, real oidc-client calls to a stateful fake provider. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class RefreshPipelineTest {

    @Inject
    RefreshService service;

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @Inject
    RefreshMetrics metrics;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();
    final FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();
    final Instant soon = Instant.now().plus(5, ChronoUnit.MINUTES);

    @AfterEach
    void clearFaults() {
        google.clearFault();
        rotating.clearFault();
        rotating.latency(Duration.ZERO);
    }

    TaskResult run(String tenant) {
        return run(new RunRequest(tenant, null, null, null, false), Duration.ofMinutes(1));
    }

    TaskResult run(RunRequest request, Duration budget) {
        return service.run(new TaskRun(UUID.randomUUID(), TriggerKind.MANUAL, request, Instant.now().plus(budget)),
                RefreshTask.NAME).await().atMost(Duration.ofMinutes(2));
    }

    String status(UUID id) {
        return (String) seeder.column(id, "status");
    }

    String storedRefreshToken(UUID id) {
        return tokenStore.load(TestSecrets.of(id)).await().indefinitely().orElseThrow()
                .tokens().refreshToken().reveal();
    }

    @Test
    void shouldRefreshDueIntegrationsWhenTheCronJobTriggersARun() {
        String tenant = seeder.tenant("cronjob");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 5, soon);
        seeder.integrations(tenant, "google", "fake-google", google, 2, Instant.now().plus(3, ChronoUnit.HOURS));

        io.restassured.RestAssured.given().header("Authorization", "Bearer test-cron-token").contentType("application/json")
                .body("{\"tenant\":\"" + tenant + "\"}")
                .post("/cron/" + RefreshTask.NAME)
                .then().statusCode(200)
                .body("trigger", org.hamcrest.Matchers.equalTo("bearer"))
                .body("selected", org.hamcrest.Matchers.equalTo(5))
                .body("refreshed", org.hamcrest.Matchers.equalTo(5))
                .body("remaining", org.hamcrest.Matchers.equalTo(0));

        for (Seeded row : rows) {
            assertThat(google.successes(row.grant())).isEqualTo(1);
            assertThat(seeder.instant(row.id(), "access_token_expires_at")).isAfter(Instant.now().plus(50, ChronoUnit.MINUTES));
        }
        assertThat(seeder.count("SELECT count(*) FROM trigger_run WHERE task = :task AND refreshed = 5 AND outcome = 'completed'",
                Map.of("task", RefreshTask.NAME))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldRefreshOneIntegrationOnDemandThroughTheAdminApi() {
        String tenant = seeder.tenant("manual");
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating,
                1, Instant.now().plus(2, ChronoUnit.HOURS)).get(0);

        io.restassured.RestAssured.given().header("Authorization", "Bearer test-admin-token")
                .post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                .then().statusCode(200)
                .body("outcome", org.hamcrest.Matchers.equalTo("refreshed"))
                .body("integration.status", org.hamcrest.Matchers.equalTo("active"))
                .body("integration.consecutiveFailures", org.hamcrest.Matchers.equalTo(0));
        assertThat(storedRefreshToken(row.id())).isEqualTo(rotating.latestRefreshToken(row.grant()));

        seeder.sql("UPDATE tenant SET refresh_paused = true WHERE id = :t", Map.of("t", tenant));
        io.restassured.RestAssured.given().header("Authorization", "Bearer test-admin-token")
                .post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void shouldAnswer202WithTheAttemptIdWhenAManualRefreshOutlastsItsWaitAndStillFinishIt() throws InterruptedException {
        String tenant = seeder.tenant("manualslow");
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating,
                1, Instant.now().plus(2, ChronoUnit.HOURS)).get(0);
        // longer than the test profile's refresher.refresh.manual-refresh-wait
        rotating.latency(Duration.ofSeconds(4));

        String attemptId = io.restassured.RestAssured.given().header("Authorization", "Bearer test-admin-token")
                .post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                .then().statusCode(202)
                .body("outcome", org.hamcrest.Matchers.equalTo(RefreshService.IN_PROGRESS))
                .extract().path("attemptId");

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (seeder.count("SELECT count(*) FROM refresh_attempt WHERE run_id = CAST(:run AS uuid) AND outcome = 'refreshed'",
                Map.of("run", attemptId)) == 0) {
            assertThat(System.nanoTime()).as("the manual refresh %s finished after its wait", attemptId).isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(storedRefreshToken(row.id())).isEqualTo(rotating.latestRefreshToken(row.grant()));
        assertThat(seeder.column(row.id(), "lease_owner")).isNull();
        assertThat(rotating.successes(row.grant())).isEqualTo(1);
    }

    @Test
    void shouldStoreARotatedTokenFromA200WithOddMembersAndNoteTheOddityOnTheAttempt() {
        String tenant = seeder.tenant("odd");
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1, soon).get(0);
        String rotated = "rt-odd-" + UUID.randomUUID();
        rotating.fault(FakeTokenEndpoint.Fault.of(200, "{\"access_token\":\"at-odd-" + UUID.randomUUID() + "\",\"refresh_token\":\""
                + rotated + "\",\"scope\":[\"openid\",\"email\"],\"expires_in\":\"3600s\",\"token_type\":\"Bearer\"}"));
        Instant before = Instant.now();

        TaskResult result = run(tenant);

        assertThat(result.refreshed()).isEqualTo(1);
        assertThat(storedRefreshToken(row.id())).isEqualTo(rotated);
        // conservative: due again soon rather than trusted for an hour
        assertThat(seeder.instant(row.id(), "access_token_expires_at")).isBefore(before.plus(10, ChronoUnit.MINUTES));
        assertThat(seeder.scalar("SELECT note FROM refresh_attempt WHERE integration_id = :id AND outcome = 'refreshed'",
                Map.of("id", row.id()))).isEqualTo("expires_in_unreadable,scope_array");
    }

    @Test
    void shouldCountAttemptsRunsAndTableWideStatusesInTheMetrics() {
        String tenant = seeder.tenant("metrics");
        seeder.integrations(tenant, "google", "fake-google", google, 2, soon);
        seeder.integrations(tenant, "google", "no-such-group", google, 1, Instant.now().minus(5, ChronoUnit.MINUTES));
        String refreshedAttempts = "refresher_refresh_attempts_total{outcome=\"refreshed\",provider=\"google\"}";
        String timedRefreshes = "refresher_refresh_duration_seconds_count{provider=\"google\"}";
        String runs = "refresher_run_duration_seconds_count{task=\"" + RefreshTask.NAME + "\"}";
        String scrape = scrape();
        double attemptsBefore = metric(scrape, refreshedAttempts);
        double timedBefore = metric(scrape, timedRefreshes);
        double runsBefore = metric(scrape, runs);

        run(tenant);
        metrics.updateGauges();

        scrape = scrape();
        assertThat(metric(scrape, refreshedAttempts) - attemptsBefore).isEqualTo(2);
        assertThat(metric(scrape, timedRefreshes) - timedBefore).isEqualTo(2);
        assertThat(metric(scrape, runs) - runsBefore).isEqualTo(1);
        // Table-wide gauges: the same figures as the table, which other tests share.
        assertThat(metric(scrape, "refresher_integrations{status=\"error\"}"))
                .isEqualTo(seeder.count("SELECT count(*) FROM integration WHERE status = 'error'", Map.of()));
        assertThat(metric(scrape, "refresher_integrations_overdue")).isEqualTo(seeder.count(
                "SELECT count(*) FROM integration WHERE status = 'active' AND access_token_expires_at < now()", Map.of()));
    }

    static String scrape() {
        return dev.oauthrefresher.testsupport.Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /**
     * The value of one series in a Prometheus scrape; 0 for a counter that has not been created yet. With traces on
     * (as in the tests) a sample may end in an OpenMetrics exemplar, {@code # {span_id=…,trace_id=…} …}: not the value.
     */
    static double metric(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> l.substring(series.length() + 1).split(" # ", 2)[0])
                .map(v -> Double.parseDouble(v.trim())).orElse(0.0);
    }

    @Test
    void shouldKeepTheOldRefreshTokenWhenGoogleOmitsIt() {
        String tenant = seeder.tenant("google");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 3, soon);
        String before = storedRefreshToken(rows.get(0).id());

        TaskResult result = run(tenant);

        assertThat(result.refreshed()).isEqualTo(3);
        assertThat(storedRefreshToken(rows.get(0).id())).isEqualTo(before);
        Instant newExpiry = seeder.instant(rows.get(0).id(), "access_token_expires_at");
        assertThat(newExpiry).isAfter(Instant.now().plus(50, ChronoUnit.MINUTES));
        assertThat(seeder.column(rows.get(0).id(), "lease_owner")).isNull();
        assertThat(seeder.count("SELECT count(*) FROM refresh_attempt WHERE tenant_id = :t AND outcome = 'refreshed'",
                Map.of("t", tenant))).isEqualTo(3);
    }

    @Test
    void shouldStoreTheRotatedRefreshToken() {
        String tenant = seeder.tenant("rotating");
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1, soon).get(0);
        String before = storedRefreshToken(row.id());

        assertThat(run(tenant).refreshed()).isEqualTo(1);

        String after = storedRefreshToken(row.id());
        assertThat(after).isNotEqualTo(before).isEqualTo(rotating.latestRefreshToken(row.grant()));
    }

    @Test
    void shouldExpireAnIntegrationWhoseGrantWasRevoked() {
        String tenant = seeder.tenant("revoked");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 2, soon);
        google.revoke(rows.get(0).grant());

        TaskResult result = run(tenant);

        assertThat(result.expired()).isEqualTo(1);
        assertThat(result.refreshed()).isEqualTo(1);
        assertThat(status(rows.get(0).id())).isEqualTo("expired");
        assertThat(seeder.column(rows.get(0).id(), "last_error_code")).isEqualTo("invalid_grant");
        assertThat(status(rows.get(1).id())).isEqualTo("active");
    }

    @Test
    void shouldLeaveRowsUntouchedWhenTheGroupsClientCredentialsAreRefused() {
        String tenant = seeder.tenant("badclient");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 20, soon);
        google.fault(FakeTokenEndpoint.Fault.of(401, "{\"error\":\"invalid_client\",\"error_description\":\"The OAuth client was not found.\"}"));

        TaskResult result = run(tenant);

        assertThat(result.details().get("rejectedProviderGroups")).asString().contains("fake-google");
        assertThat(result.refreshed() + result.expired() + result.errored()).isZero();
        assertThat(result.deferred()).isEqualTo(20);
        for (Seeded row : rows) {
            assertThat(status(row.id())).isEqualTo("active");
            assertThat(seeder.column(row.id(), "consecutive_failures")).isEqualTo(0);
            assertThat(seeder.column(row.id(), "lease_owner")).isNull();
        }
        assertThat(google.calls()).isGreaterThan(0);
    }

    @Test
    void shouldBackOffOnTransientFailuresAndMoveToErrorOnlyPastBothThresholds() {
        String tenant = seeder.tenant("transient");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, soon).get(0);
        google.fault(FakeTokenEndpoint.Fault.of(503, "{\"error\":\"backend_error\"}"));

        run(tenant);
        assertThat(status(row.id())).isEqualTo("active");
        assertThat(seeder.column(row.id(), "consecutive_failures")).isEqualTo(1);
        Instant next = seeder.instant(row.id(), "next_attempt_at");
        assertThat(next).isAfter(Instant.now()).isBefore(soon);

        // Four failures already, but all within the last hour: the fifth must not flip it.
        seeder.sql("UPDATE integration SET consecutive_failures = 4, first_failure_at = now() - interval '1 hour', "
                + "next_attempt_at = NULL WHERE id = :id", Map.of("id", row.id()));
        run(tenant);
        assertThat(status(row.id())).isEqualTo("active");

        // Failing for seven hours and five times in a row: now it is an error.
        seeder.sql("UPDATE integration SET consecutive_failures = 4, first_failure_at = now() - interval '7 hours', "
                + "next_attempt_at = NULL WHERE id = :id", Map.of("id", row.id()));
        TaskResult result = run(tenant);
        assertThat(result.errored()).isEqualTo(1);
        assertThat(status(row.id())).isEqualTo("error");
        assertThat(seeder.column(row.id(), "last_error_code")).asString().isNotBlank();
    }

    @Test
    void shouldHonourRetryAfterOnTooManyRequests() {
        String tenant = seeder.tenant("throttled");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, soon).get(0);
        google.fault(new FakeTokenEndpoint.Fault(429, "{\"error\":\"rate_limit_exceeded\"}", Map.of("Retry-After", "900"),
                Duration.ZERO));

        run(tenant);

        Instant next = seeder.instant(row.id(), "next_attempt_at");
        assertThat(next).isAfter(Instant.now().plus(14, ChronoUnit.MINUTES));
        assertThat(status(row.id())).isEqualTo("active");
    }

    @Test
    void shouldTreatATimeoutAsTransient() {
        String tenant = seeder.tenant("timeout");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, soon).get(0);
        google.fault(new FakeTokenEndpoint.Fault(200, "{}", Map.of(), Duration.ofSeconds(4)));

        TaskResult result = run(tenant);

        assertThat(result.details().get("transientFailures")).isEqualTo(1);
        assertThat(status(row.id())).isEqualTo("active");
        assertThat(seeder.column(row.id(), "consecutive_failures")).isEqualTo(1);
    }

    @Test
    void shouldChangeNoStatusDuringAProviderOutage() {
        String tenant = seeder.tenant("outage");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 40, soon);
        seeder.sql("UPDATE integration SET consecutive_failures = 10, first_failure_at = now() - interval '1 hour' "
                + "WHERE tenant_id = :t", Map.of("t", tenant));
        google.fault(FakeTokenEndpoint.Fault.of(503, ""));

        TaskResult result = run(tenant);

        assertThat(result.details().get("openProviderCircuits")).asString().contains("google");
        assertThat(result.errored()).isZero();
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t AND status = 'active'",
                Map.of("t", tenant))).isEqualTo(rows.size());
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t AND lease_owner IS NOT NULL",
                Map.of("t", tenant))).isZero();
    }

    @Test
    void shouldMoveAnIntegrationOfAnUnconfiguredGroupToError() {
        String tenant = seeder.tenant("nogroup");
        Seeded row = seeder.integrations(tenant, "google", "no-such-group", google, 1, soon).get(0);

        TaskResult result = run(tenant);

        assertThat(result.errored()).isEqualTo(1);
        assertThat(status(row.id())).isEqualTo("error");
        assertThat(seeder.column(row.id(), "last_error_code")).isEqualTo("unknown_provider_group");
    }

    @Test
    void shouldEndARunThatReachedItsLimitWithoutWaitingForItsDeadline() {
        String tenant = seeder.tenant("limited");
        seeder.integrations(tenant, "google", "fake-google", google, 6, soon);

        // the deadline is far beyond the two minutes run() waits: only a run that ends on its own returns
        TaskResult result = run(new RunRequest(tenant, null, null, 3, false), Duration.ofMinutes(30));

        assertThat(result.refreshed()).isEqualTo(3);
        assertThat(result.remaining()).isEqualTo(3);
    }

    @Test
    void shouldReportWithoutChangingAnythingOnADryRun() {
        String tenant = seeder.tenant("dry");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 4, soon);
        int callsBefore = google.calls();

        TaskResult result = run(new RunRequest(tenant, null, null, null, true), Duration.ofMinutes(1));

        assertThat(result.selected()).isEqualTo(4);
        assertThat(result.remaining()).isEqualTo(4);
        assertThat(result.refreshed()).isZero();
        assertThat(google.calls()).isEqualTo(callsBefore);
        assertThat(seeder.column(rows.get(0).id(), "lease_owner")).isNull();
    }

    @Test
    void shouldRefreshEveryIntegrationExactlyOnceWhenTwoRunsOverlap() {
        String tenant = seeder.tenant("overlap");
        List<Seeded> rows = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 300, soon);
        rotating.latency(Duration.ofMillis(20));
        try {
            Uni<TaskResult> first = service.run(new TaskRun(UUID.randomUUID(), TriggerKind.BEARER,
                    new RunRequest(tenant, null, null, null, false), Instant.now().plusSeconds(60)), RefreshTask.NAME);
            Uni<TaskResult> second = service.run(new TaskRun(UUID.randomUUID(), TriggerKind.QSTASH,
                    new RunRequest(tenant, null, null, null, false), Instant.now().plusSeconds(60)), RefreshTask.NAME);
            List<TaskResult> results = Uni.join().all(first, second).andFailFast().await().atMost(Duration.ofMinutes(2));

            assertThat(results.get(0).refreshed() + results.get(1).refreshed()).isEqualTo(rows.size());
        } finally {
            rotating.latency(Duration.ZERO);
        }
        for (Seeded row : rows) {
            assertThat(rotating.successes(row.grant())).as("calls for %s", row.grant()).isEqualTo(1);
        }
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t AND status <> 'active'",
                Map.of("t", tenant))).isZero();
    }

    @Test
    void shouldFinishASmallTenantEarlyInARunDominatedByAHugeTenant() {
        String huge = seeder.tenant("huge");
        String tiny = seeder.tenant("tiny");
        // The huge tenant's tokens all expire first, so urgency alone would serve it first.
        seeder.integrations(huge, "google", "fake-google", google, 600, soon.minus(4, ChronoUnit.MINUTES));
        seeder.integrations(tiny, "google", "fake-google", google, 10, soon);
        google.latency(Duration.ofMillis(10));
        TaskResult result;
        try {
            result = run(new RunRequest(null, null, "fake-google", null, false), Duration.ofMinutes(1));
        } finally {
            google.latency(Duration.ZERO);
        }
        assertThat(result.refreshed()).isGreaterThanOrEqualTo(610);

        Instant tinyDone = Seeder.toInstant(seeder.scalar(
                "SELECT max(finished_at) FROM refresh_attempt WHERE tenant_id = :t", Map.of("t", tiny)));
        Instant hugeMedian = Seeder.toInstant(seeder.scalar(
                "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY finished_at) FROM refresh_attempt WHERE tenant_id = :t",
                Map.of("t", huge)));
        assertThat(tinyDone).as("last of the tiny tenant vs the huge tenant's median").isBefore(hugeMedian);
    }
}
