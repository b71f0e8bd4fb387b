package dev.oauthrefresher.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.WebhookReceiver;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One tenant cannot exhaust what all tenants share (issue 19, test 1): on the packaged service in Key Vault mode,
 * with production defaults and the provider at 100 ms, a quiet tenant's run of 600 due rows, and the
 * {@code integration.expired} webhooks of five revoked grants, timed alone and then while a noisy tenant's 20 workers
 * ask for its 40 integrations' tokens with {@code minValidSeconds=86400} and flood test webhooks to a receiver that
 * answers after 14 s. Prints the figures in one line, then fails on any bound the issue sets.
 */
class NoisyNeighbourIT {

    private static final int QUIET_ROWS = 600;
    private static final int REVOKED = 5;
    private static final int NOISY_INTEGRATIONS = 40;
    private static final int NOISY_WORKERS = 20;
    private static final int NOISY_ENDPOINTS = 10;
    private static final int MIN_VALID_SECONDS = 86400;
    /** What Google issues: shorter than any {@code minValidSeconds} the noisy workers ask for. */
    private static final long TOKEN_LIFETIME_SECONDS = 3599;
    /** {@code refresher.on-demand.refresh-floor} and {@code tenant-refreshes-per-second}: the defaults the service runs with. */
    private static final double REFRESH_FLOOR = 0.25;
    private static final int TENANT_REFRESHES_PER_SECOND = 10;
    private static final double SLOWDOWN_ALLOWED = 1.5;
    private static final Duration DELIVERED_WITHIN = Duration.ofSeconds(10);
    /** How long to wait for a webhook before reporting it missing; longer than the bound, so a late one is measured. */
    private static final Duration AWAIT_WEBHOOKS = Duration.ofSeconds(40);

    private final WebhookReceiver quietReceiver = new WebhookReceiver();
    private final WebhookReceiver slowReceiver = new WebhookReceiver();
    private final ExecutorService noise = Executors.newCachedThreadPool();
    private final AtomicBoolean noisyOn = new AtomicBoolean(true);
    private Harness harness;

    @AfterEach
    void tearDown() {
        noisyOn.set(false);
        noise.shutdownNow();
        quietReceiver.close();
        slowReceiver.close();
        if (harness != null) {
            harness.close();
            assertThat(harness.secretsInServiceLogs()).as("service log lines with a token or secret").isEmpty();
        }
    }

    @Test
    @Timeout(400)
    void shouldKeepAQuietTenantsRunAndWebhooksOnTimeWhileANoisyTenantAsksForDayLongTokensAndFloodsTests() throws Exception {
        harness = Harness.start(Path.of("target", "multi-process-faults", "noisy-neighbour"), FakeTokenEndpoint.Mode.GOOGLE,
                TokenStore.KEY_VAULT);
        FakeTokenEndpoint provider = harness.provider();
        provider.expiresIn(TOKEN_LIFETIME_SECONDS);
        Database db = harness.createDatabase("noisy_neighbour");
        // production defaults; only the receivers' loopback http needs allowing
        ServiceProcess service = harness.launch("service", db, Map.of("refresher.webhooks.allow-insecure-urls", "true"),
                Harness.SERVICE_JVM).awaitReady();
        ServiceClient client = harness.client(service);

        // registered an hour from expiry: no row is due until the test makes it so
        Instant inAnHour = Instant.now().plus(Duration.ofHours(1));
        List<ApiSeeder.Seeded> quiet = ApiSeeder.seed(client, provider, Harness.GROUP, "quiet", 1, QUIET_ROWS + 2 * REVOKED,
                inAnHour, 4);
        List<ApiSeeder.Seeded> noisy = ApiSeeder.seed(client, provider, Harness.GROUP, "noisy", 1, NOISY_INTEGRATIONS,
                inAnHour, 4);
        String quietTenant = quiet.get(0).tenant();
        String noisyTenant = noisy.get(0).tenant();
        List<ApiSeeder.Seeded> revokedAlone = quiet.subList(QUIET_ROWS, QUIET_ROWS + REVOKED);
        List<ApiSeeder.Seeded> revokedUnderNoise = quiet.subList(QUIET_ROWS + REVOKED, QUIET_ROWS + 2 * REVOKED);

        String quietHooks = client.createApiKey(quietTenant, List.of("webhooks:write"));
        client.createWebhookEndpoint(quietHooks, quietReceiver.url(), List.of("integration.expired"));
        // answers 2xx after 14 s: within the request timeout, so the noisy endpoints never fail and are never disabled
        slowReceiver.delay(Duration.ofSeconds(14));
        String noisyHooks = client.createApiKey(noisyTenant, List.of("webhooks:write"));
        List<String> noisyEndpoints = IntStream.range(0, NOISY_ENDPOINTS)
                .mapToObj(i -> client.createWebhookEndpoint(noisyHooks, slowReceiver.url(), List.of("integration.expired")).id())
                .toList();
        // one key for the tenant's worker pool, as a host application has
        String noisyTokens = client.createApiKey(noisyTenant, List.of("tokens:read"));
        provider.latency(Duration.ofMillis(100));

        // two runs alone: the first also compiles the run's path; the faster of the two is the time alone
        makeDue(db, quietTenant, Stream.concat(revokedAlone.stream(), revokedUnderNoise.stream()).toList());
        Measured firstAlone = timedRun(client, db, quietTenant, List.of());

        revokedAlone.forEach(s -> provider.revoke(s.grant()));
        makeDue(db, quietTenant, revokedUnderNoise);
        Measured alone = timedRun(client, db, quietTenant, revokedAlone);
        Map<UUID, Optional<Duration>> webhooksAlone = deliveryDelays(db, revokedAlone);

        Instant noiseStarted = Instant.now();
        Tally tally = new Tally();
        List<UUID> noisyIds = noisy.stream().map(ApiSeeder.Seeded::id).toList();
        for (int w = 0; w < NOISY_WORKERS; w++) {
            int first = w;
            noise.submit(() -> askForDayLongTokens(client, noisyTokens, noisyIds, first, tally, noisyOn));
        }
        noise.submit(() -> floodTests(client, noisyHooks, noisyEndpoints, tally, noisyOn));
        Poll.until("the noise under way: each noisy integration refreshed once, the slow receiver holding test deliveries",
                Duration.ofSeconds(60), () -> slowReceiver.received().size() >= 4
                        && noisy.stream().allMatch(s -> provider.successes(s.grant()) >= 1));

        revokedUnderNoise.forEach(s -> provider.revoke(s.grant()));
        makeDue(db, quietTenant, List.of());
        Measured underNoise = timedRun(client, db, quietTenant, revokedUnderNoise);
        Map<UUID, Optional<Duration>> webhooksUnderNoise = deliveryDelays(db, revokedUnderNoise);
        noisyOn.set(false);
        noise.shutdown();
        assertThat(noise.awaitTermination(60, TimeUnit.SECONDS)).as("noisy workers stopped").isTrue();
        Duration window = Duration.between(noiseStarted, Instant.now());
        int noisyCalls = noisy.stream().mapToInt(s -> provider.calls(s.grant())).sum();

        // The bound on the noisy tenant's provider calls, from the settings. The refresh floor lets a token be refreshed
        // on demand at most once per floor x lifetime (0.25 x 3599 s = 899.75 s); a registered token's age is unknown, so
        // the first ask may refresh it at once: per integration 1 + window / 899.75 s refreshes, one while the window is
        // shorter. What the floor does not hold back (a refresh whose tokens were not stored) the tenant budget does, 10
        // per second with a burst of 10; one burst of it is allowed on top.
        Duration floorInterval = Duration.ofMillis((long) (TOKEN_LIFETIME_SECONDS * 1000 * REFRESH_FLOOR));
        long perIntegration = 1 + window.toMillis() / floorInterval.toMillis();
        long bound = NOISY_INTEGRATIONS * perIntegration + TENANT_REFRESHES_PER_SECOND;
        Duration aloneTook = firstAlone.took().compareTo(alone.took()) < 0 ? firstAlone.took() : alone.took();
        double slowdown = (double) underNoise.took().toMillis() / aloneTook.toMillis();

        System.out.printf("[noisy-neighbour] quiet run of %d due rows + %d revoked: alone %d ms (runs alone %d and %d ms), "
                + "under noise %d ms (%.2fx, at most %.1fx); its integration.expired webhooks after the run marked them: alone %s, "
                + "under noise %s (each within %d s); noisy tenant over %d s: %d provider calls (bound %d = %d integrations x "
                + "%d + a %d/s budget burst), token answers %s, test answers %s, slow receiver held %d%n",
                QUIET_ROWS, REVOKED, aloneTook.toMillis(), firstAlone.took().toMillis(), alone.took().toMillis(),
                underNoise.took().toMillis(), slowdown,
                SLOWDOWN_ALLOWED, millis(webhooksAlone), millis(webhooksUnderNoise), DELIVERED_WITHIN.toSeconds(),
                window.toSeconds(), noisyCalls, bound, NOISY_INTEGRATIONS, perIntegration, TENANT_REFRESHES_PER_SECOND,
                tally.tokens(), tally.tests(), slowReceiver.received().size());

        for (Measured run : List.of(firstAlone, alone, underNoise)) {
            assertThat(run.runs()).as("runs of the quiet tenant").allMatch(RunSummary::completed);
            assertThat(run.refreshed()).as("quiet rows refreshed by the run").isEqualTo(QUIET_ROWS);
        }
        assertThat(alone.expired()).as("revoked quiet rows expired by the run alone").isEqualTo(REVOKED);
        assertThat(underNoise.expired()).as("revoked quiet rows expired by the run under noise").isEqualTo(REVOKED);
        assertThat(tally.tokens()).as("the noisy workers got tokens").containsKey(200);
        assertThat(tally.tests()).as("the noisy tenant's tests were accepted").containsKey(202);
        assertThat(underNoise.took()).as("the quiet run under noise (%d ms) against %.1fx its time alone (%d ms)",
                underNoise.took().toMillis(), SLOWDOWN_ALLOWED, aloneTook.toMillis())
                .isLessThanOrEqualTo(Duration.ofMillis((long) (aloneTook.toMillis() * SLOWDOWN_ALLOWED)));
        assertThat(webhooksUnderNoise).as("delays of the quiet tenant's integration.expired webhooks under noise, by "
                + "integration (empty: not delivered within %s)", AWAIT_WEBHOOKS)
                .allSatisfy((id, delay) -> assertThat(delay).hasValueSatisfying(
                        d -> assertThat(d).isLessThanOrEqualTo(DELIVERED_WITHIN)));
        assertThat(noisyCalls).as("the noisy tenant's provider calls in %d s: at most %d integrations x (1 + window / "
                + "(refresh-floor %.2f x %d s lifetime)) + one burst of tenant-refreshes-per-second %d = %d",
                window.toSeconds(), NOISY_INTEGRATIONS, REFRESH_FLOOR, TOKEN_LIFETIME_SECONDS, TENANT_REFRESHES_PER_SECOND,
                bound).isLessThanOrEqualTo((int) bound);
    }

    /** A timed run of the quiet tenant, the rows it refreshed and the revoked ones it expired. */
    private record Measured(Duration took, List<RunSummary> runs, long refreshed, long expired) {
    }

    /** Triggers as the CronJob does until nothing is left due; times it and counts in the database what it did. */
    private static Measured timedRun(ServiceClient client, Database db, String tenant, List<ApiSeeder.Seeded> revoked) {
        Instant started = Instant.now();
        long startedNanos = System.nanoTime();
        List<RunSummary> runs = client.refreshUntilDone(Map.of(), 10);
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        long refreshed = db.count("SELECT count(*) FROM integration WHERE tenant_id = ? AND status = 'active' "
                + "AND last_refreshed_at >= ?", tenant, Timestamp.from(started));
        long expired = db.count("SELECT count(*) FROM integration WHERE status = 'expired' AND id::text = ANY(?)",
                (Object) ids(revoked));
        return new Measured(took, runs, refreshed, expired);
    }

    /** Every active row of {@code tenant} but {@code except} expires now, so the next run finds it due. */
    private static void makeDue(Database db, String tenant, List<ApiSeeder.Seeded> except) {
        db.update("UPDATE integration SET access_token_expires_at = now() WHERE tenant_id = ? AND status = 'active' "
                + "AND NOT (id::text = ANY(?))", tenant, ids(except));
    }

    /**
     * For each revoked integration, how long after its {@code integration.expired} event was recorded (by the run
     * that expired it) the quiet receiver got it; empty if it did not arrive within {@link #AWAIT_WEBHOOKS}.
     */
    private Map<UUID, Optional<Duration>> deliveryDelays(Database db, List<ApiSeeder.Seeded> revoked) {
        Map<String, Instant> recorded = new LinkedHashMap<>();
        Map<String, UUID> integrationOf = new LinkedHashMap<>();
        for (Object[] row : db.rows("SELECT id, integration_id, created_at FROM webhook_event WHERE type = 'integration.expired' "
                + "AND integration_id::text = ANY(?)", (Object) ids(revoked))) {
            String webhookId = "evt_" + row[0].toString().replace("-", "");
            recorded.put(webhookId, ((Timestamp) row[2]).toInstant());
            integrationOf.put(webhookId, (UUID) row[1]);
        }
        long deadline = System.nanoTime() + AWAIT_WEBHOOKS.toNanos();
        while (!quietReceiver.answeredOk().containsAll(recorded.keySet()) && System.nanoTime() < deadline) {
            ServiceProcess.pause(Duration.ofMillis(20));
        }
        Map<UUID, Optional<Duration>> delays = new TreeMap<>();
        revoked.forEach(s -> delays.put(s.id(), Optional.empty()));
        recorded.forEach((webhookId, at) -> delays.put(integrationOf.get(webhookId), quietReceiver.receivedWithId(webhookId)
                .stream().map(r -> Duration.between(at, r.at())).min(Duration::compareTo)));
        return delays;
    }

    /** A noisy worker: tokens of every integration in turn, valid a day; waits as told on 429 and 503, else asks again. */
    private static void askForDayLongTokens(ServiceClient client, String key, List<UUID> ids, int first, Tally tally,
            AtomicBoolean on) {
        for (int i = first; on.get(); i++) {
            try {
                HttpResponse<String> answer = client.accessToken(key, ids.get(i % ids.size()), MIN_VALID_SECONDS);
                tally.token(answer.statusCode());
                if (answer.statusCode() == 429 || answer.statusCode() == 503) {
                    pauseWhile(on, Duration.ofSeconds(answer.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L)));
                }
            } catch (RuntimeException e) {
                tally.token(0);
            }
        }
    }

    /** The noisy tenant's flood: test events to each of its endpoints in turn; a second's pause when all refuse. */
    private static void floodTests(ServiceClient client, String key, List<String> endpoints, Tally tally, AtomicBoolean on) {
        while (on.get()) {
            boolean accepted = false;
            for (String endpoint : endpoints) {
                try {
                    int status = client.testWebhook(key, endpoint);
                    tally.test(status);
                    accepted |= status == 202;
                } catch (RuntimeException e) {
                    tally.test(0);
                }
            }
            if (!accepted) {
                pauseWhile(on, Duration.ofSeconds(1));
            }
        }
    }

    /** Sleeps {@code d}, or less if the noise stops meanwhile. */
    private static void pauseWhile(AtomicBoolean on, Duration d) {
        long until = System.nanoTime() + d.toNanos();
        while (on.get() && System.nanoTime() < until) {
            ServiceProcess.pause(Duration.ofMillis(50));
        }
    }

    /** Answers to the noisy tenant by status (0: no answer). */
    private static final class Tally {
        private final Map<Integer, LongAdder> tokens = new ConcurrentHashMap<>();
        private final Map<Integer, LongAdder> tests = new ConcurrentHashMap<>();

        void token(int status) {
            tokens.computeIfAbsent(status, s -> new LongAdder()).increment();
        }

        void test(int status) {
            tests.computeIfAbsent(status, s -> new LongAdder()).increment();
        }

        Map<Integer, Long> tokens() {
            return snapshot(tokens);
        }

        Map<Integer, Long> tests() {
            return snapshot(tests);
        }

        private static Map<Integer, Long> snapshot(Map<Integer, LongAdder> counts) {
            return new TreeMap<>(counts.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum())));
        }
    }

    private static String[] ids(List<ApiSeeder.Seeded> seeded) {
        return seeded.stream().map(s -> s.id().toString()).toArray(String[]::new);
    }

    private static List<String> millis(Map<UUID, Optional<Duration>> delays) {
        List<String> shown = new ArrayList<>();
        delays.values().forEach(d -> shown.add(d.map(x -> x.toMillis() + " ms").orElse("not delivered")));
        return shown;
    }
}
