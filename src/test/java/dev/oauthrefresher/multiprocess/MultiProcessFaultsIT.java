package dev.oauthrefresher.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.process.ApiSeeder;
import dev.oauthrefresher.testsupport.process.Database;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.Harness.TokenStore;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceClient.RunSummary;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

    private static final Duration LEASE = Duration.ofSeconds(9);
    /**
     * A short lease, and timeouts short enough that one refresh's worst case (store read and write with their
     * retries and their waits for a vault permit, the provider call) fits in four fifths of it, as the service checks at
     * startup.
     */
    private static final Map<String, String> SHORT_LEASE = Map.of(
            "refresher.refresh.lease", LEASE.toSeconds() + "s",
            "refresher.refresh.run-budget", "3s",
            "refresher.providers." + Harness.GROUP + ".connect-timeout", "250ms",
            "refresher.providers." + Harness.GROUP + ".request-timeout", "1500ms",
            "refresher.token-store.key-vault.max-attempts", "2",
            "refresher.token-store.key-vault.request-timeout", "700ms",
            "refresher.token-store.key-vault.retry-backoff", "50ms",
            "refresher.token-store.key-vault.max-retry-wait", "100ms",
            "refresher.token-store.key-vault.scheduled-max-permit-wait", "100ms",
            "refresher.token-store.key-vault.on-demand-max-permit-wait", "100ms");

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

        awaitLeasesLapsed(db, killedAt.plus(LEASE).plusMillis(500));
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
    void shouldRefuseAnAccessTokenReadOnTheNextRequestWhenAnotherProcessRevokedTheKey(TestInfo test) {
        harness = start(test, FakeTokenEndpoint.Mode.GOOGLE, TokenStore.MEMORY);
        Database db = harness.createDatabase("revoked_key");
        // the key cache would accept a revoked key for an hour: only the read's own query can refuse it
        Map<String, String> settings = Map.of("refresher.access.valid-key-cache-ttl", "1h");
        ServiceProcess revoking = harness.launch("revoking", db, settings, Harness.SERVICE_JVM);
        ServiceProcess serving = harness.launch("serving", db, settings, Harness.SERVICE_JVM);
        revoking.awaitReady();
        serving.awaitReady();
        ApiSeeder.Seeded row = seed(revoking, "revoked", 1, 1).get(0);
        ServiceClient admin = harness.client(revoking);
        String key = admin.createApiKey(row.tenant(), List.of("tokens:read", "integrations:read"));
        ServiceClient worker = harness.client(serving);
        assertThat(worker.accessToken(key, row.id(), 60).statusCode()).as("a read before the revocation").isEqualTo(200);
        assertThat(worker.listIntegrations(key).statusCode()).as("a list before the revocation").isEqualTo(200);

        admin.revokeApiKeys(row.tenant());
        HttpResponse<String> refused = worker.accessToken(key, row.id(), 60);
        HttpResponse<String> afterwards = worker.listIntegrations(key);

        assertThat(refused.statusCode()).as("the next access-token read on the other process: %s", refused.body()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(afterwards.statusCode()).as("the same key on another endpoint of that process, once forgotten").isEqualTo(401);
        System.out.printf("[multi-process] key revoked on one process: the next access-token read on the other answered %d, "
                + "then its integration list %d (valid-key-cache-ttl 1h)%n", refused.statusCode(), afterwards.statusCode());
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
        int spent = spentCalls(provider);
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

    @Test
    @Timeout(240)
    void shouldLoseNoRotatedGrantWhenSigtermArrivesMidRunWithCallsInFlight(TestInfo test) throws Exception {
        int integrations = 60;
        Replicas replicas = stoppingAndSuccessor(test, "sigterm", integrations);
        Database db = replicas.db();
        ServiceProcess stopping = replicas.stopping();
        ServiceProcess successor = replicas.successor();
        List<ApiSeeder.Seeded> seeded = replicas.seeded();
        FakeTokenEndpoint provider = harness.provider();

        CompletableFuture<RunSummary> interrupted = CompletableFuture.supplyAsync(
                () -> harness.client(stopping).trigger(ServiceClient.REFRESH_TASK, Map.of()), callers);
        await("calls in flight", () -> provider.calls() >= 8, Duration.ofSeconds(30));
        int callsAtSigterm = provider.calls();
        CompletableFuture<Duration> drained = CompletableFuture.supplyAsync(() -> stopping.terminate(Duration.ofSeconds(60)), callers);
        await("the drain to begin", () -> stopping.log().contains("Shutdown drain started"), Duration.ofSeconds(10));
        RunSummary whileDraining = harness.client(stopping).trigger(ServiceClient.REFRESH_TASK, Map.of());
        RunSummary interruptedRun = interrupted.get();
        Duration drainTook = drained.get();

        assertThat(whileDraining.status()).as("a trigger while draining: %s", whileDraining).isEqualTo(503);
        assertThat(whileDraining.retryAfter()).as("Retry-After while draining").isPresent();
        assertThat(interruptedRun.status()).as("the interrupted run's answer: %s", interruptedRun).isEqualTo(200);
        assertThat(interruptedRun.body().path("outcome").asText()).isEqualTo("interrupted");
        assertThat(interruptedRun.expired()).isZero();
        long released = interruptedRun.body().path("skipped").asLong();
        assertThat(db.count("SELECT count(*) FROM trigger_run WHERE outcome = 'interrupted' AND refreshed = ? AND skipped = ?",
                interruptedRun.refreshed(), (int) released)).as("the interrupted run recorded in trigger_run").isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM integration WHERE lease_owner IS NOT NULL")).as("leases left by the drain").isZero();

        provider.latency(Duration.ofMillis(20));
        List<RunSummary> after = harness.client(successor).refreshUntilDone(Map.of(), 10);
        assertThat(after).allMatch(RunSummary::completed);
        assertNothingDueOrHeld(db, integrations);
        assertThat(seeded).as("grants never refreshed").filteredOn(s -> provider.successes(s.grant()) == 0).isEmpty();
        int spent = spentCalls(provider);
        assertThat(spent).as("calls with a spent refresh token (a rotated token lost at shutdown)").isZero();
        assertThat(withoutLatestTokenStored(seeded)).as("integrations whose store lacks the provider's latest refresh token").isEmpty();
        System.out.printf("[multi-process] SIGTERM mid-run: %d integrations, rotating provider 3 s latency, Key Vault; SIGTERM "
                + "with %d calls made; drain and exit took %d ms; the interrupted run refreshed %d and released %d unstarted "
                + "rows (trigger_run outcome 'interrupted'); a trigger while draining got %d; after the restart %d run(s) "
                + "refreshed %d; 0 expired, 0 spent tokens%n", integrations, callsAtSigterm, drainTook.toMillis(),
                interruptedRun.refreshed(), released, whileDraining.status(), after.size(), refreshed(after));
    }

    @Test
    @Timeout(240)
    void shouldDrainARunWhoseSchedulerHungUpWhenSigtermArrives(TestInfo test) throws Exception {
        int integrations = 40;
        Replicas replicas = stoppingAndSuccessor(test, "hangup", integrations);
        FakeTokenEndpoint provider = harness.provider();

        // the scheduler's request times out and its connection closes while the run's first calls are in flight
        ServiceClient scheduler = harness.client(replicas.stopping());
        assertThat(scheduler.triggerAndHangUp(ServiceClient.REFRESH_TASK, Duration.ofSeconds(1)))
                .as("the trigger's caller hung up before the answer").isTrue();
        await("calls in flight", () -> provider.calls() >= 8, Duration.ofSeconds(30));
        int callsAtSigterm = provider.calls();
        Duration drainTook = replicas.stopping().terminate(Duration.ofSeconds(60));

        assertThat(replicas.stopping().log()).as("what the drain found to stop and wait for")
                .contains("Shutdown drain started: readiness DOWN, 1 run(s) stop taking work, 1 trigger(s)");
        assertThat(replicas.db().count("SELECT count(*) FROM trigger_run WHERE outcome = 'interrupted'"))
                .as("the run recorded though nobody waited for its answer").isEqualTo(1);
        assertThat(replicas.db().count("SELECT count(*) FROM trigger_run WHERE outcome = 'running'"))
                .as("runs left 'running'").isZero();
        assertThat(replicas.db().count("SELECT count(*) FROM integration WHERE lease_owner IS NOT NULL"))
                .as("leases left by the drain").isZero();

        provider.latency(Duration.ofMillis(20));
        List<RunSummary> after = harness.client(replicas.successor()).refreshUntilDone(Map.of(), 10);
        assertThat(after).allMatch(RunSummary::completed);
        assertNothingDueOrHeld(replicas.db(), integrations);
        assertThat(spentCalls(provider)).as("calls with a spent refresh token (a rotated token lost at shutdown)").isZero();
        assertThat(withoutLatestTokenStored(replicas.seeded()))
                .as("integrations whose store lacks the provider's latest refresh token").isEmpty();
        System.out.printf("[multi-process] SIGTERM after the scheduler hung up: %d integrations, rotating provider 3 s latency, "
                + "Key Vault; SIGTERM with %d calls made; drain and exit took %d ms; the run recorded 'interrupted'; after the "
                + "restart %d run(s) refreshed %d; 0 spent tokens%n", integrations, callsAtSigterm, drainTook.toMillis(),
                after.size(), refreshed(after));
    }

    @Test
    @Timeout(240)
    void shouldDeliverEveryRotatedTokenTheStoreRefusedAcrossSigtermKillAndRestart(TestInfo test) throws Exception {
        int integrations = 12;
        harness = start(test, FakeTokenEndpoint.Mode.ROTATING, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("refused");
        Map<String, String> settings = merge(SHORT_LEASE, Map.of("refresher.refresh.pending-retry-interval", "1s"));
        ServiceProcess first = harness.launch("first", db, settings, Harness.SERVICE_JVM);
        ServiceProcess second = harness.launch("second", db, settings, Harness.SERVICE_JVM);
        first.awaitReady();
        second.awaitReady();
        List<ApiSeeder.Seeded> seeded = seed(first, "refused", 2, integrations);
        FakeTokenEndpoint provider = harness.provider();
        harness.keyVault().refuseWrites(503);

        RunSummary refusedRun = harness.client(first).trigger(ServiceClient.REFRESH_TASK, Map.of());
        long pendingInDatabase = db.count("SELECT count(*) FROM pending_rotation");
        assertThat(refusedRun.body().path("details").path("rotationsPending").asInt()).as("%s", refusedRun).isEqualTo(integrations);
        assertThat(pendingInDatabase).as("pending rotations sealed in PostgreSQL").isEqualTo(integrations);
        for (ApiSeeder.Seeded s : seeded) {
            byte[] sealed = (byte[]) db.rows("SELECT sealed_tokens FROM pending_rotation p JOIN integration i ON i.id = p.integration_id "
                    + "WHERE i.id = ?", s.id()).get(0)[0];
            assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(provider.latestRefreshToken(s.grant()));
        }
        // a run of another replica meanwhile must not refresh any of them with the spent old token
        RunSummary meanwhile = harness.client(second).trigger(ServiceClient.REFRESH_TASK, Map.of());
        assertThat(meanwhile.body().path("selected").asInt()).as("rows claimed while their rotation is pending").isZero();

        Duration firstStop = first.terminate(Duration.ofSeconds(60));
        // the second replica takes the handed-over rotations, and keeps failing against the refusing store...
        await("the second replica to take over", () -> second.log().contains("rotated refresh token still not stored"),
                Duration.ofSeconds(30));
        // ... until kill -9: the pending writes are in PostgreSQL, so nothing dies with it
        second.kill();
        harness.keyVault().refuseWrites(0);
        ServiceProcess third = harness.launch("third", db, settings, Harness.SERVICE_JVM).awaitReady();
        await("every pending rotation stored", () -> db.count("SELECT count(*) FROM pending_rotation") == 0, Duration.ofSeconds(60));

        assertThat(withoutLatestTokenStored(seeded)).as("integrations whose store lacks the provider's latest refresh token").isEmpty();
        db.update("UPDATE integration SET access_token_expires_at = now() WHERE status = 'active'");
        List<RunSummary> after = harness.client(third).refreshUntilDone(Map.of(), 10);
        assertNothingDueOrHeld(db, integrations);
        assertThat(seeded).as("grants refreshed other than twice").filteredOn(s -> provider.successes(s.grant()) != 2).isEmpty();
        int spent = spentCalls(provider);
        assertThat(spent).as("calls with a spent refresh token").isZero();
        System.out.printf("[multi-process] store refusing writes: %d rotated tokens sealed in PostgreSQL (never in clear), 0 "
                + "claimed by another replica meanwhile; SIGTERM (%d ms) handed them over, kill -9 of the replica retrying "
                + "them, restart: all %d reached Key Vault, the next run refreshed %d with them; 0 lost, 0 expired%n",
                pendingInDatabase, firstStop.toMillis(), integrations, refreshed(after));
    }

    @Test
    @Timeout(240)
    void shouldRenewLeasesSoASlowStoreNeverLetsAnotherReplicaSpendARotatedToken(TestInfo test) throws Exception {
        int integrations = 8;
        Duration lease = Duration.ofSeconds(12);
        harness = start(test, FakeTokenEndpoint.Mode.ROTATING, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("slow_store");
        Map<String, String> settings = Map.of(
                "refresher.refresh.lease", lease.toSeconds() + "s",
                "refresher.refresh.run-budget", "11s",
                "refresher.refresh.concurrency", "1",
                "refresher.providers." + Harness.GROUP + ".connect-timeout", "250ms",
                "refresher.providers." + Harness.GROUP + ".request-timeout", "1500ms",
                "refresher.token-store.key-vault.max-attempts", "1",
                "refresher.token-store.key-vault.request-timeout", "3s",
                "refresher.token-store.key-vault.scheduled-max-permit-wait", "100ms",
                "refresher.token-store.key-vault.on-demand-max-permit-wait", "100ms");
        ServiceProcess slow = harness.launch("slow", db, settings, Harness.SERVICE_JVM);
        ServiceProcess other = harness.launch("other", db, settings, Harness.SERVICE_JVM);
        slow.awaitReady();
        other.awaitReady();
        List<ApiSeeder.Seeded> seeded = seed(slow, "slow", 1, integrations);
        FakeTokenEndpoint provider = harness.provider();
        // every write takes 2 s: one at a time, the rows claimed first are still in flight when their first lease ends
        harness.keyVault().delayWrites(Duration.ofSeconds(2));

        Instant started = Instant.now();
        CompletableFuture<RunSummary> slowRun = CompletableFuture.supplyAsync(
                () -> harness.client(slow).trigger(ServiceClient.REFRESH_TASK, Map.of()), callers);
        waitUntil(started.plus(lease).plusSeconds(1));
        RunSummary otherRun = harness.client(other).trigger(ServiceClient.REFRESH_TASK, Map.of());
        RunSummary slowSummary = slowRun.get();
        harness.keyVault().delayWrites(Duration.ZERO);

        // the other replica may claim only what the slow run released unstarted at its budget, never a row in flight
        assertThat(otherRun.body().path("selected").asInt()).as("rows the other replica claimed: %s", otherRun)
                .isLessThanOrEqualTo(slowSummary.body().path("skipped").asInt());
        assertThat(slowSummary.refreshed() + slowSummary.body().path("skipped").asInt()).as("%s", slowSummary).isEqualTo(integrations);
        assertThat(slowSummary.body().path("details").path("lostLeases").asInt()).isZero();
        List<RunSummary> rest = harness.client(other).refreshUntilDone(Map.of(), 10);
        assertNothingDueOrHeld(db, integrations);
        int spent = spentCalls(provider);
        assertThat(spent).as("calls with a spent refresh token").isZero();
        assertThat(seeded).as("grants refreshed other than once").filteredOn(s -> provider.successes(s.grant()) != 1).isEmpty();
        System.out.printf("[multi-process] slow store (2 s per write), lease %d s: the run took %d ms for %d rows and renewed "
                + "their leases; the other replica claimed %d while it ran, then %d; 0 lost leases, 0 spent tokens%n",
                lease.toSeconds(), Duration.between(started, Instant.now()).toMillis(), slowSummary.refreshed(),
                otherRun.body().path("selected").asInt(), refreshed(rest));
    }

    @Test
    @Timeout(300)
    void shouldWriteNoTokensFromAReplicaThawedAfterItsLeasesWentToAReconnectAndADisconnect(TestInfo test) throws Exception {
        Duration retryOfA = Duration.ofSeconds(1);
        harness = start(test, FakeTokenEndpoint.Mode.ROTATING, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("frozen");
        ServiceProcess a = harness.launch("a", db, merge(SHORT_LEASE,
                Map.of("refresher.refresh.pending-retry-interval", retryOfA.toSeconds() + "s")), Harness.SERVICE_JVM);
        // B's own retry would take A's lapsed rotations over and finish them before the user acts; slowed down, so the
        // reconnect and the disconnect meet them still pending (taking them over is part of what is tested)
        ServiceProcess b = harness.launch("b", db, merge(SHORT_LEASE,
                Map.of("refresher.refresh.pending-retry-interval", "10m")), Harness.SERVICE_JVM);
        a.awaitReady();
        b.awaitReady();
        List<ApiSeeder.Seeded> seeded = seed(a, "frozen", 1, 2);
        ApiSeeder.Seeded reconnected = seeded.get(0);
        ApiSeeder.Seeded disconnected = seeded.get(1);
        String reconnectedSecret = Integration.secretNameFor(reconnected.id());
        String disconnectedSecret = Integration.secretNameFor(disconnected.id());
        ServiceClient throughB = harness.client(b);
        String key = throughB.createApiKey(reconnected.tenant(), List.of("integrations:read", "integrations:write"));

        // A rotates both grants while the vault refuses writes: both rotations pending, sealed, leased by A
        harness.keyVault().refuseWrites(503);
        RunSummary refused = harness.client(a).trigger(ServiceClient.REFRESH_TASK, Map.of());
        assertThat(refused.body().path("details").path("rotationsPending").asInt()).as("%s", refused).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM pending_rotation")).as("pending rotations sealed").isEqualTo(2);

        // while A lives and holds them, a reconnect through B is refused: the pending token is the grant's only live one
        String grant = reconnected.grant() + "-again";
        String newRefreshToken = harness.provider().newGrant(grant);
        HttpResponse<String> whileHeld = throughB.reconnect(key, reconnected.id(), "at-seed-" + UUID.randomUUID(),
                newRefreshToken, Instant.now().plus(Duration.ofHours(1)));
        assertThat(whileHeld.statusCode()).as("reconnect while A holds the pending rotation: %s", whileHeld.body()).isEqualTo(409);
        assertThat(whileHeld.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(whileHeld.body()).contains("rotation-pending");
        assertThat(whileHeld.headers().firstValue("Retry-After")).isPresent();

        a.freeze();
        await("A's leases to lapse", () -> db.count("SELECT count(*) FROM integration WHERE lease_expires_at > now()") == 0,
                LEASE.multipliedBy(3));
        harness.keyVault().refuseWrites(0);
        HttpResponse<String> reconnect = throughB.reconnect(key, reconnected.id(), "at-seed-" + UUID.randomUUID(),
                newRefreshToken, Instant.now().plus(Duration.ofHours(1)));
        HttpResponse<String> disconnect = throughB.disconnect(key, disconnected.id());
        assertThat(reconnect.statusCode()).as("reconnect after A's lease lapsed: %s", reconnect.body()).isEqualTo(200);
        assertThat(disconnect.statusCode()).as("disconnect after A's lease lapsed: %s", disconnect.body()).isEqualTo(204);
        assertThat(db.count("SELECT count(*) FROM pending_rotation")).as("pending rotations superseded").isZero();
        assertThat(harness.keyVault().latest(reconnectedSecret).orElseThrow().value()).contains(newRefreshToken);
        assertThat(harness.keyVault().holds(disconnectedSecret)).as("the disconnected secret, purged").isFalse();
        long writesBeforeThaw = writesTo(reconnectedSecret, disconnectedSecret);

        a.thaw();
        a.awaitReady();
        // nothing may happen from here on: a bounded wait covering three of A's retry intervals once it runs again, in
        // which an unfenced retry would have written the old grant's token and recreated the disconnected secret
        ServiceProcess.pause(retryOfA.multipliedBy(3));

        assertThat(a.alive()).as("A after the thaw").isTrue();
        assertThat(harness.keyVault().latest(reconnectedSecret).orElseThrow().value()).as("the reconnected secret")
                .contains(newRefreshToken).doesNotContain(harness.provider().latestRefreshToken(reconnected.grant()));
        assertThat(harness.keyVault().holds(disconnectedSecret)).as("the disconnected secret recreated").isFalse();
        assertThat(writesTo(reconnectedSecret, disconnectedSecret)).as("writes to either secret after the thaw")
                .isEqualTo(writesBeforeThaw);
        // and it knows why: its renewal or its fence found the leases gone
        for (ApiSeeder.Seeded s : seeded) {
            await("A to stop retrying " + s.id(), () -> a.log().contains("Integration " + s.id() + ": stopped retrying"),
                    Duration.ofSeconds(30));
        }
        assertThat(db.count("SELECT count(*) FROM pending_rotation")).as("pending rotations").isZero();
        assertThat(db.count("SELECT count(*) FROM integration WHERE lease_owner IS NOT NULL")).as("leases held").isZero();
        System.out.printf("[multi-process] replica frozen past its %d s lease with 2 pending rotations: a reconnect while it "
                + "held them got 409 rotation-pending; after the lapse B reconnected one and disconnected the other, both "
                + "taking the rotations over; thawed, A stopped retrying both and wrote nothing in %d retry intervals%n",
                LEASE.toSeconds(), 3);
    }

    @Test
    @Timeout(240)
    void shouldLoseNoSealedTokenWhenAProcessIsKilledMidRunInTheSealedLayout(TestInfo test) throws Exception {
        int integrations = 120;
        harness = start(test, FakeTokenEndpoint.Mode.GOOGLE, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("sealedkill");
        Map<String, String> settings = merge(SHORT_LEASE, merge(SEALED_LAYOUT, Map.of("refresher.refresh.concurrency", "8")));
        ServiceProcess doomed = harness.launch("doomed", db, settings, Harness.SERVICE_JVM);
        ServiceProcess survivor = harness.launch("survivor", db, settings, Harness.SERVICE_JVM);
        doomed.awaitReady();
        survivor.awaitReady();
        List<ApiSeeder.Seeded> seeded = seed(survivor, "sealedkill", 3, integrations);
        assertThat(db.count("SELECT count(*) FROM integration_token t JOIN integration i ON i.id = t.integration_id "
                + "WHERE i.vault = 'database'")).as("registered into the sealed layout").isEqualTo(integrations);
        FakeTokenEndpoint provider = harness.provider();
        provider.latency(Duration.ofMillis(250));
        long vaultRequestsBefore = harness.keyVault().requests().size();

        CompletableFuture<RunSummary> doomedRun = CompletableFuture.supplyAsync(
                () -> harness.client(doomed).trigger(ServiceClient.REFRESH_TASK, Map.of()), callers);
        await("the doomed process to be mid-run", () -> provider.calls() >= 16, Duration.ofSeconds(30));
        doomed.kill();
        Instant killedAt = Instant.now();
        assertThat(doomedRun).as("the killed process's trigger").failsWithin(Duration.ofSeconds(30));

        awaitLeasesLapsed(db, killedAt.plus(LEASE).plusMillis(500));
        List<RunSummary> runs = harness.client(survivor).refreshUntilDone(Map.of(), 20);
        assertThat(runs).as("runs of the surviving process").allMatch(RunSummary::completed);

        assertNothingDueOrHeld(db, integrations);
        assertThat(seeded).as("grants never refreshed").filteredOn(s -> provider.successes(s.grant()) == 0).isEmpty();
        assertThat(db.count("SELECT count(*) FROM integration_token")).as("sealed token documents").isEqualTo(integrations);
        assertThat(harness.keyVault().requests().stream().skip(vaultRequestsBefore)
                .filter(r -> r.secretName().startsWith("integration-")).count())
                .as("vault requests for integrations' tokens").isZero();
        System.out.printf("[multi-process] sealed layout, kill -9 mid-run: %d integrations; the survivor's %d runs refreshed "
                + "%d after the %d s lease; 0 stuck, 0 sealed documents lost, 0 vault requests for tokens%n",
                integrations, runs.size(), refreshed(runs), LEASE.toSeconds());
    }

    @Test
    @Timeout(300)
    void shouldWriteNoSealedTokenFromAReplicaThawedAfterAReconnectTookItsRow(TestInfo test) throws Exception {
        harness = start(test, FakeTokenEndpoint.Mode.ROTATING, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("sealedfrozen");
        ServiceProcess a = harness.launch("a", db, merge(SHORT_LEASE, SEALED_LAYOUT), Harness.SERVICE_JVM);
        ServiceProcess b = harness.launch("b", db, merge(SHORT_LEASE, SEALED_LAYOUT), Harness.SERVICE_JVM);
        a.awaitReady();
        b.awaitReady();
        ApiSeeder.Seeded row = seed(a, "sealedfrozen", 1, 1).get(0);
        ServiceClient throughB = harness.client(b);
        String key = throughB.createApiKey(row.tenant(), List.of("integrations:read", "integrations:write", "tokens:read"));
        FakeTokenEndpoint provider = harness.provider();
        provider.latency(Duration.ofSeconds(2));

        // A asks the provider, and is frozen before the rotated answer arrives: it holds that answer past its lease
        CompletableFuture.runAsync(() -> harness.client(a).trigger(ServiceClient.REFRESH_TASK, Map.of()), callers);
        await("A's token call", () -> provider.calls() >= 1, Duration.ofSeconds(30));
        a.freeze();
        await("A's lease to lapse", () -> db.count("SELECT count(*) FROM integration WHERE lease_expires_at > now()") == 0,
                LEASE.multipliedBy(3));
        provider.latency(Duration.ZERO);

        String grant = row.grant() + "-again";
        String newRefreshToken = provider.newGrant(grant);
        String newAccessToken = "at-reconnect-" + UUID.randomUUID();
        HttpResponse<String> reconnect = throughB.reconnect(key, row.id(), newAccessToken, newRefreshToken,
                Instant.now().plus(Duration.ofHours(1)));
        assertThat(reconnect.statusCode()).as("reconnect after A's lease lapsed: %s", reconnect.body()).isEqualTo(200);
        long versionAfterReconnect = db.count("SELECT version FROM integration_token WHERE integration_id = ?", row.id());

        a.thaw();
        a.awaitReady();
        // A now reads the rotated answer it held: nothing may be written from it. A bounded wait covering A's pending
        // retries, in which an unfenced write would have replaced the reconnect's tokens
        ServiceProcess.pause(Duration.ofSeconds(4));

        assertThat(a.alive()).as("A after the thaw").isTrue();
        assertThat(db.count("SELECT version FROM integration_token WHERE integration_id = ?", row.id()))
                .as("writes to the sealed document after the thaw").isEqualTo(versionAfterReconnect);
        assertThat(db.count("SELECT count(*) FROM pending_rotation")).as("pending rotations").isZero();
        HttpResponse<String> served = throughB.accessToken(key, row.id(), 0);
        assertThat(served.body()).as("the access token served after the thaw").contains(newAccessToken);
        // asking for more life than the reconnect's token has refreshes it on demand, with the stored refresh token
        HttpResponse<String> refreshed = throughB.accessToken(key, row.id(), 7200);
        assertThat(refreshed.statusCode()).as("%s", refreshed.body()).isEqualTo(200);
        assertThat(refreshed.body()).contains("\"refreshed\":true");
        assertThat(provider.successes(grant)).as("the next refresh used the reconnect's refresh token").isEqualTo(1);
        System.out.printf("[multi-process] sealed layout: replica frozen holding a rotated answer past its %d s lease; B "
                + "reconnected; thawed, A wrote nothing to the sealed document and the reconnect's grant refreshed next%n",
                LEASE.toSeconds());
    }

    /** Every new integration in the sealed layout: tokens sealed in PostgreSQL, none in the vault. */
    private static final Map<String, String> SEALED_LAYOUT = Map.of("refresher.token-store.key-vault.assign-to", "database");

    /** PUTs and DELETEs the Key Vault fake has received for these secrets. */
    private long writesTo(String... names) {
        List<String> secrets = List.of(names);
        return harness.keyVault().requests().stream()
                .filter(r -> secrets.contains(r.secretName()) && !r.method().startsWith("GET")).count();
    }

    /** Token calls that presented a spent refresh token: each one is a rotated token that was lost. */
    private static int spentCalls(FakeTokenEndpoint provider) {
        return provider.calls() - provider.successesByGrant().values().stream().mapToInt(Integer::intValue).sum();
    }

    private List<ApiSeeder.Seeded> withoutLatestTokenStored(List<ApiSeeder.Seeded> seeded) {
        return seeded.stream().filter(s -> !harness.keyVault().latest(Integration.secretNameFor(s.id())).orElseThrow().value()
                .contains(harness.provider().latestRefreshToken(s.grant()))).toList();
    }

    /** Two replicas on one database and Key Vault, their integrations seeded through the first. */
    private record Replicas(Database db, ServiceProcess stopping, ServiceProcess successor, List<ApiSeeder.Seeded> seeded) {
    }

    /**
     * A replica that will be stopped mid-run and its successor, against a rotating provider made strict single use and
     * slow (3 s): every call in flight at SIGTERM has already spent its refresh token.
     */
    private Replicas stoppingAndSuccessor(TestInfo test, String name, int integrations) {
        harness = start(test, FakeTokenEndpoint.Mode.ROTATING, TokenStore.KEY_VAULT);
        Database db = harness.createDatabase(name);
        Map<String, String> settings = Map.of("refresher.refresh.concurrency", "8", "refresher.refresh.batch-size", "20");
        ServiceProcess stopping = harness.launch("stopping", db, settings, Harness.SERVICE_JVM);
        ServiceProcess successor = harness.launch("successor", db, settings, Harness.SERVICE_JVM);
        stopping.awaitReady();
        successor.awaitReady();
        List<ApiSeeder.Seeded> seeded = seed(stopping, name, 4, integrations);
        harness.provider().latency(Duration.ofSeconds(3));
        return new Replicas(db, stopping, successor, seeded);
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

    /**
     * Polls until no integration's lease is live, failing at {@code deadline}: the dead process renewed its leases at
     * most a lease before it, so they lapse by then, often up to a renewal interval earlier (which a fixed wait sat out).
     */
    private static void awaitLeasesLapsed(Database db, Instant deadline) {
        await("the dead process's leases to lapse", () -> db.count("SELECT count(*) FROM integration WHERE lease_expires_at > now()") == 0,
                Duration.between(Instant.now(), deadline));
    }

    private static void waitUntil(Instant instant) {
        Duration left = Duration.between(Instant.now(), instant);
        if (!left.isNegative()) {
            ServiceProcess.pause(left);
        }
    }
}
