package dev.oauthrefresher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oauthrefresher.bench.Harness.TokenStore;
import dev.oauthrefresher.bench.ServiceClient.RunSummary;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Faults across real processes: the packaged service started as separate JVMs against one PostgreSQL, a
 * stateful fake token endpoint that counts every grant's refreshes, and a token store that outlives the
 * processes where the fault needs one. Each test prints one line with its counts and fails on anything lost,
 * stuck, doubled or flipped.
 */
class MultiProcessFaultsIT {

    private static final Duration LEASE = Duration.ofSeconds(5);
    private static final Map<String, String> SHORT_LEASE = Map.of(
            "refresher.refresh.lease", LEASE.toSeconds() + "s",
            "refresher.refresh.run-budget", "3s");

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private Harness harness;

    @AfterEach
    void tearDown() {
        callers.shutdownNow();
        if (harness != null) {
            harness.close();
            assertThat(harness.secretsInServiceLogs()).as("service log lines with a token or secret").isEmpty();
        }
    }

    @Test
    @Timeout(240)
    void shouldRefreshEveryDueIntegrationExactlyOnceWhenTwoProcessesRunAtTheSameTime(TestInfo test) throws Exception {
        int integrations = 400;
        int rounds = 3;
        harness = start(test, FakeTokenEndpoint.Mode.ROTATING, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("two_processes");
        // small claims, so both processes keep coming back for more while the other holds rows
        Map<String, String> settings = Map.of("refresher.refresh.batch-size", "25", "refresher.refresh.concurrency", "16");
        ServiceProcess a = harness.launch("a", db, settings, Harness.SERVICE_JVM);
        ServiceProcess b = harness.launch("b", db, settings, Harness.SERVICE_JVM);
        a.awaitReady();
        b.awaitReady();
        List<ApiSeeder.Seeded> seeded = seed(a, "two", 8, integrations);
        FakeTokenEndpoint provider = harness.provider();
        provider.latency(Duration.ofMillis(20));

        List<String> split = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            if (round > 1) {
                db.update("UPDATE integration SET access_token_expires_at = now() WHERE status = 'active'");
            }
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<List<RunSummary>> runsOfA = untilDone(a, go);
            CompletableFuture<List<RunSummary>> runsOfB = untilDone(b, go);
            go.countDown();
            int refreshedByA = refreshed(runsOfA.get());
            int refreshedByB = refreshed(runsOfB.get());
            split.add(refreshedByA + "/" + refreshedByB);

            int expected = round;
            assertThat(refreshedByA + refreshedByB).as("refreshes reported by both runs in round %d", round).isEqualTo(integrations);
            assertThat(seeded).as("grants refreshed other than exactly %d times after round %d", expected, round)
                    .filteredOn(s -> provider.successes(s.grant()) != expected).isEmpty();
            assertThat(provider.calls()).as("token calls (a second refresh with a spent token is invalid_grant)")
                    .isEqualTo(integrations * round);
            assertNothingDueOrHeld(db, integrations);
        }
        System.out.printf("[multi-process] two processes, one database: %d rounds x %d due integrations, triggered together; "
                + "refreshed by a/b per round %s; every grant refreshed exactly once per round (%d token calls, "
                + "0 invalid_grant); 0 left due, 0 leases held%n", rounds, integrations, split, provider.calls());
    }

    @Test
    @Timeout(240)
    void shouldFinishEverythingAfterTheLeaseWhenAProcessIsKilledMidRun(TestInfo test) throws Exception {
        int integrations = 200;
        // Google-style grants: a refresh token a killed process was redeeming stays valid. (With strict single-use
        // rotation the provider's answer to a call in flight at the kill is lost with the process, and that grant
        // with it: no service can prevent that.)
        harness = start(test, FakeTokenEndpoint.Mode.GOOGLE, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("kill");
        Map<String, String> settings = merge(SHORT_LEASE, Map.of("refresher.refresh.concurrency", "8"));
        ServiceProcess doomed = harness.launch("doomed", db, settings, Harness.SERVICE_JVM);
        ServiceProcess survivor = harness.launch("survivor", db, settings, Harness.SERVICE_JVM);
        doomed.awaitReady();
        survivor.awaitReady();
        List<ApiSeeder.Seeded> seeded = seed(survivor, "kill", 4, integrations);
        Instant seededAt = Instant.now();
        FakeTokenEndpoint provider = harness.provider();
        provider.latency(Duration.ofMillis(250));

        CompletableFuture<RunSummary> doomedRun = CompletableFuture.supplyAsync(
                () -> harness.client(doomed).trigger(ServiceClient.REFRESH_TASK, Map.of()), callers);
        await("the doomed process to be mid-run", () -> provider.calls() >= 24, Duration.ofSeconds(30));
        doomed.kill();
        Instant killedAt = Instant.now();
        long heldByTheDead = db.count("SELECT count(*) FROM integration WHERE lease_owner IS NOT NULL AND lease_expires_at > now()");
        int callsBeforeKill = provider.calls();
        assertThat(doomedRun).as("the killed process's trigger").failsWithin(Duration.ofSeconds(30));

        waitUntil(killedAt.plus(LEASE).plusMillis(500));
        List<RunSummary> runs = harness.client(survivor).refreshUntilDone(Map.of(), 20);
        assertThat(runs).as("runs of the surviving process").allMatch(RunSummary::completed);

        assertNothingDueOrHeld(db, integrations);
        long notRefreshed = db.count("SELECT count(*) FROM integration WHERE last_refreshed_at <= ?", Timestamp.from(seededAt));
        assertThat(notRefreshed).as("integrations never refreshed after the kill").isZero();
        assertThat(seeded).as("grants never refreshed").filteredOn(s -> provider.successes(s.grant()) == 0).isEmpty();
        long tokensLost = seeded.stream().filter(s -> harness.keyVault().latest(Integration.secretNameFor(s.id())).isEmpty()).count();
        assertThat(tokensLost).as("integrations without tokens in the store").isZero();
        System.out.printf("[multi-process] kill -9 mid-run: %d integrations, killed after %d token calls with %d rows leased "
                + "by the dead process; after the %d s lease the survivor's %d runs refreshed %d; 0 stuck, 0 expired, "
                + "0 tokens lost%n", integrations, callsBeforeKill, heldByTheDead, LEASE.toSeconds(), runs.size(), refreshed(runs));
    }

    @Test
    @Timeout(240)
    void shouldAnswer503WhileTheDatabaseIsDownAndRecoverWithoutARestart(TestInfo test) throws Exception {
        int integrations = 300;
        harness = start(test, FakeTokenEndpoint.Mode.ROTATING, TokenStore.MEMORY);
        Database db = harness.createDatabase("restart");
        ServiceProcess service = harness.launch("service", db, merge(SHORT_LEASE, Map.of(
                "refresher.refresh.run-budget", "4s", "refresher.refresh.concurrency", "8")), Harness.SERVICE_JVM).awaitReady();
        ServiceClient client = harness.client(service);
        List<ApiSeeder.Seeded> seeded = seed(service, "restart", 6, integrations);
        FakeTokenEndpoint provider = harness.provider();
        provider.latency(Duration.ofMillis(200));

        CompletableFuture<RunSummary> interrupted = CompletableFuture.supplyAsync(
                () -> client.trigger(ServiceClient.REFRESH_TASK, Map.of()), callers);
        await("the run to be under way", () -> provider.calls() >= 16, Duration.ofSeconds(30));
        harness.postgres().stop();
        RunSummary whileDown = client.trigger(ServiceClient.REFRESH_TASK, Map.of());
        int interruptedStatus = interrupted.get().status();
        harness.postgres().start();
        Instant restartedAt = Instant.now();

        assertThat(whileDown.status()).as("trigger while the database is down: %s", whileDown).isEqualTo(503);
        assertThat(whileDown.retryAfter()).as("Retry-After while the database is down").isPresent();
        waitUntil(restartedAt.plus(LEASE).plusMillis(500));
        List<RunSummary> runs = retryWhileUnavailable(client, Duration.ofSeconds(60));

        assertThat(service.alive()).as("the same service process is still running").isTrue();
        assertNothingDueOrHeld(db, integrations);
        assertThat(seeded).as("grants never refreshed").filteredOn(s -> provider.successes(s.grant()) == 0).isEmpty();
        int spent = provider.calls() - provider.successesByGrant().values().stream().mapToInt(Integer::intValue).sum();
        assertThat(spent).as("refreshes with a spent (lost) rotated refresh token").isZero();
        System.out.printf("[multi-process] database restarted mid-run: %d integrations; the interrupted trigger answered %d, "
                + "one during the outage %d with Retry-After %s; after the restart %d runs (same process) refreshed %d; "
                + "0 stuck, 0 expired, 0 rotated tokens lost%n", integrations, interruptedStatus, whileDown.status(),
                whileDown.retryAfter().orElseThrow(), runs.size(), refreshed(runs));
    }

    @Test
    @Timeout(240)
    void shouldChangeNoStatusWhenTheProviderAnswers503ForAWholeRun(TestInfo test) {
        int integrations = 200;
        harness = start(test, FakeTokenEndpoint.Mode.GOOGLE, TokenStore.MEMORY);
        Database db = harness.createDatabase("outage");
        ServiceProcess service = harness.launch("service", db, Map.of(), Harness.SERVICE_JVM).awaitReady();
        ServiceClient client = harness.client(service);
        List<ApiSeeder.Seeded> seeded = seed(service, "outage", 4, integrations);
        FakeTokenEndpoint provider = harness.provider();
        provider.fault(FakeTokenEndpoint.Fault.of(503, "{\"error\":\"temporarily_unavailable\"}"));

        RunSummary outage = client.trigger(ServiceClient.REFRESH_TASK, Map.of());
        int callsDuringOutage = provider.calls();
        Map<String, Long> statuses = db.countBy("SELECT status, count(*) FROM integration GROUP BY status");

        assertThat(outage.completed()).as("the run during the outage: %s", outage).isTrue();
        assertThat(outage.refreshed()).as("refreshed during the outage").isZero();
        assertThat(statuses).as("integration statuses after a run against a provider answering 503")
                .isEqualTo(Map.of("active", (long) integrations));

        provider.clearFault();
        // the backoff the outage set would keep rows waiting for minutes: this test is about status, not timing
        db.update("UPDATE integration SET next_attempt_at = NULL");
        List<RunSummary> recovery = client.refreshUntilDone(Map.of(), 10);
        assertNothingDueOrHeld(db, integrations);
        assertThat(seeded).as("grants not refreshed exactly once after the outage")
                .filteredOn(s -> provider.successes(s.grant()) != 1).isEmpty();
        System.out.printf("[multi-process] provider 503 for a whole run: %d integrations, %d token calls all 503, "
                + "details %s; statuses after: %s (unchanged); after the outage %d run(s) refreshed %d%n", integrations,
                callsDuringOutage, outage.body().path("details"), statuses, recovery.size(), refreshed(recovery));
    }

    private Harness start(TestInfo test, FakeTokenEndpoint.Mode mode, TokenStore store) {
        String name = test.getTestMethod().orElseThrow().getName();
        return Harness.start(Path.of("target", "multi-process-faults", name), mode, store);
    }

    private List<ApiSeeder.Seeded> seed(ServiceProcess through, String prefix, int tenants, int integrations) {
        return ApiSeeder.seed(harness.client(through), harness.provider(), Harness.GROUP, prefix, tenants, integrations,
                Instant.now().plus(Duration.ofMinutes(5)), 4);
    }

    private CompletableFuture<List<RunSummary>> untilDone(ServiceProcess service, CountDownLatch go) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            List<RunSummary> runs = harness.client(service).refreshUntilDone(Map.of(), 20);
            assertThat(runs).as("runs of %s", service.name()).allMatch(RunSummary::completed);
            return runs;
        }, callers);
    }

    /** Triggers until a run leaves nothing due, riding out 503s (the service reconnecting) for up to {@code limit}. */
    private static List<RunSummary> retryWhileUnavailable(ServiceClient client, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            List<RunSummary> runs = client.refreshUntilDone(Map.of(), 20);
            RunSummary last = runs.get(runs.size() - 1);
            if (last.completed() && last.remaining() == 0) {
                return runs;
            }
            assertThat(System.nanoTime()).as("service recovered within %s; last answer %s", limit, last).isLessThan(deadline);
            ServiceProcess.pause(Duration.ofSeconds(1));
        }
    }

    private static void assertNothingDueOrHeld(Database db, int integrations) {
        assertThat(db.countBy("SELECT status, count(*) FROM integration GROUP BY status")).as("integration statuses")
                .isEqualTo(Map.of("active", (long) integrations));
        assertThat(db.count("SELECT count(*) FROM integration WHERE access_token_expires_at <= now() + interval '15 minutes'"))
                .as("integrations still due").isZero();
        assertThat(db.count("SELECT count(*) FROM integration WHERE lease_owner IS NOT NULL")).as("leases still held").isZero();
    }

    private static int refreshed(List<RunSummary> runs) {
        return runs.stream().mapToInt(RunSummary::refreshed).sum();
    }

    private static Map<String, String> merge(Map<String, String> base, Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(base);
        merged.putAll(overrides);
        return merged;
    }

    private static void await(String what, BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            ServiceProcess.pause(Duration.ofMillis(20));
        }
    }

    private static void waitUntil(Instant instant) {
        Duration left = Duration.between(Instant.now(), instant);
        if (!left.isNegative()) {
            ServiceProcess.pause(left);
        }
    }
}
