package dev.oauthrefresher.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.StandardWebhooksVerifier;
import dev.oauthrefresher.testsupport.WebhookReceiver;
import dev.oauthrefresher.testsupport.process.ApiSeeder;
import dev.oauthrefresher.testsupport.process.Database;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Status webhooks across real processes: the packaged service is killed with {@code kill -9} while deliveries
 * are in flight and pending, and a new process on the same database delivers every one of them; and a noisy
 * tenant's flood of tests to a receiver that answers after 14 s does not hold up a quiet tenant's events. The
 * signing secrets are in the Key Vault fake, which outlives the processes as a vault would.
 */
class WebhookFaultsIT {

    private static final Duration LEASE = Duration.ofSeconds(4);
    private static final Map<String, String> SETTINGS = Map.of(
            "refresher.webhooks.allow-insecure-urls", "true",
            "refresher.webhooks.retry-schedule", "0s,1s,1s,1s,1s,1s,1s,1s",
            "refresher.webhooks.request-timeout", "2s",
            "refresher.webhooks.lease", LEASE.toSeconds() + "s",
            "refresher.webhooks.concurrency", "4");

    private Harness harness;
    private final WebhookReceiver receiver = new WebhookReceiver();
    private final WebhookReceiver slow = new WebhookReceiver();

    @AfterEach
    void tearDown() {
        receiver.close();
        slow.close();
        if (harness != null) {
            harness.close();
            assertThat(harness.secretsInServiceLogs()).as("service log lines with a token or secret").isEmpty();
        }
    }

    @Test
    @Timeout(120)
    void shouldDeliverEveryPendingEventAfterTheServiceIsKilled() {
        int integrations = 12;
        harness = Harness.start(Path.of("target", "multi-process-faults", "webhooks-kill"), FakeTokenEndpoint.Mode.GOOGLE,
                Harness.TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("webhooks_kill");
        ServiceProcess doomed = harness.launch("doomed", db, SETTINGS, Harness.SERVICE_JVM).awaitReady();
        ServiceClient client = harness.client(doomed);
        List<ApiSeeder.Seeded> seeded = ApiSeeder.seed(client, harness.provider(), Harness.GROUP, "hooks", 1, integrations,
                Instant.now().plus(Duration.ofMinutes(5)), 4);
        String tenant = seeded.get(0).tenant();
        String key = client.createApiKey(tenant, List.of("webhooks:write"));
        String secret = client.createWebhookEndpoint(key, receiver.url(), List.of("integration.expired")).secret();
        seeded.forEach(s -> harness.provider().revoke(s.grant()));
        // the receiver hangs past the request timeout: attempts stay in flight or fail, none succeeds before the kill
        receiver.delay(Duration.ofSeconds(30));

        assertThat(client.trigger(ServiceClient.REFRESH_TASK, Map.of()).expired()).isEqualTo(integrations);
        Poll.until("deliveries in flight at the receiver", Duration.ofSeconds(20), () -> receiver.received().size() >= 4);
        doomed.kill();
        Instant killedAt = Instant.now();
        long pendingAtKill = db.count("SELECT count(*) FROM webhook_delivery WHERE status = 'pending'");
        long leasedAtKill = db.count("SELECT count(*) FROM webhook_delivery WHERE status = 'pending' AND lease_expires_at > now()");
        receiver.delay(Duration.ZERO);

        ServiceProcess revived = harness.launch("revived", db, SETTINGS, Harness.SERVICE_JVM).awaitReady();
        Poll.until("every delivery succeeded after the restart", Duration.ofSeconds(40),
                () -> db.count("SELECT count(*) FROM webhook_delivery WHERE status <> 'succeeded'") == 0);
        Duration afterKill = Duration.between(killedAt, Instant.now());

        Set<String> eventIds = db.rows("SELECT id FROM webhook_event").stream()
                .map(r -> "evt_" + r[0].toString().replace("-", "")).collect(Collectors.toSet());
        assertThat(eventIds).as("one integration.expired event per revoked grant").hasSize(integrations);
        assertThat(receiver.answeredOk()).as("webhook ids the receiver accepted").containsAll(eventIds);
        assertThat(receiver.received()).as("deliveries an independent verifier accepts")
                .allMatch(r -> StandardWebhooksVerifier.verifies(secret, r));
        Set<String> duplicates = new HashSet<>();
        receiver.received().stream().collect(Collectors.groupingBy(r -> r.header("webhook-id"), Collectors.counting()))
                .forEach((id, n) -> {
                    if (n > 1) {
                        duplicates.add(id);
                    }
                });
        assertThat(revived.alive()).isTrue();
        System.out.printf("[multi-process] webhooks, kill -9 with deliveries pending: %d expired events, %d pending (%d in "
                + "flight under lease) at the kill; a new process delivered all %d, %d ms after the kill (restart "
                + "included); %d ids arrived more than once (at least once, same webhook-id), 0 lost%n", integrations,
                pendingAtKill, leasedAtKill, eventIds.size(), afterKill.toMillis(), duplicates.size());
    }

    @Test
    @Timeout(180)
    void shouldDeliverAQuietTenantsEventsWithinTenSecondsWhileANoisyTenantFloodsTestsToASlowReceiver() {
        harness = Harness.start(Path.of("target", "multi-process-faults", "webhooks-noisy"), FakeTokenEndpoint.Mode.GOOGLE,
                Harness.TokenStore.KEY_VAULT);
        Database db = harness.createDatabase("webhooks_noisy");
        // the production defaults (15 s request timeout, 16 slots, 2 per endpoint, 4 per tenant, 30 tests and
        // replays per endpoint per minute); only the receivers' loopback http needs allowing
        ServiceProcess service = harness.launch("shares", db, Map.of("refresher.webhooks.allow-insecure-urls", "true"),
                Harness.SERVICE_JVM).awaitReady();
        ServiceClient client = harness.client(service);
        List<ApiSeeder.Seeded> quiet = ApiSeeder.seed(client, harness.provider(), Harness.GROUP, "quiet", 1, 5,
                Instant.now().plus(Duration.ofMinutes(5)), 4);
        String quietKey = client.createApiKey(quiet.get(0).tenant(), List.of("webhooks:write"));
        String quietSecret = client.createWebhookEndpoint(quietKey, receiver.url(), List.of("integration.expired")).secret();
        client.createTenant("noisy");
        String noisyKey = client.createApiKey("noisy", List.of("webhooks:write"));
        // answers 2xx after 14 s: within the request timeout, so its endpoints never fail and are never disabled
        slow.delay(Duration.ofSeconds(14));
        List<String> noisyEndpoints = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            noisyEndpoints.add(client.createWebhookEndpoint(noisyKey, slow.url(), List.of("integration.expired")).id());
        }
        // a key per endpoint, so that only the endpoints' test budget refuses, never a key's own rate limit
        List<String> senderKeys = noisyEndpoints.stream()
                .map(id -> client.createApiKey("noisy", List.of("webhooks:write"))).toList();
        Map<Integer, Long> answers = java.util.stream.IntStream.range(0, noisyEndpoints.size()).boxed()
                .flatMap(e -> java.util.stream.IntStream.range(0, 40)
                        .mapToObj(i -> client.testWebhook(senderKeys.get(e), noisyEndpoints.get(e))))
                .collect(Collectors.groupingBy(status -> status, Collectors.counting()));
        Poll.until("the slow receiver holds the noisy tenant's tests", Duration.ofSeconds(20), () -> slow.received().size() >= 4);

        quiet.forEach(s -> harness.provider().revoke(s.grant()));
        Instant runStarted = Instant.now();
        assertThat(client.trigger(ServiceClient.REFRESH_TASK, Map.of("tenant", quiet.get(0).tenant())).expired()).isEqualTo(5);
        Poll.until("the quiet tenant's five integration.expired events arrived", Duration.ofSeconds(10),
                () -> receiver.received().size() >= 5);
        Duration delivered = Duration.between(runStarted, receiver.received().get(4).at());
        long noisyInFlight = db.count("SELECT count(*) FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id "
                + "WHERE e.tenant_id = 'noisy' AND d.status = 'pending' AND d.lease_expires_at > now()");

        assertThat(receiver.received()).allMatch(r -> StandardWebhooksVerifier.verifies(quietSecret, r));
        assertThat(answers).as("answers to the noisy tenant's 400 tests").containsEntry(202, 300L).containsEntry(429, 100L);
        assertThat(noisyInFlight).as("noisy tenant's deliveries in flight").isBetween(1L, 4L);
        System.out.printf("[multi-process] webhook fair shares: a noisy tenant's 400 tests to 10 endpoints of a receiver "
                + "answering after 14 s (%d accepted, %d refused 429); the quiet tenant's 5 integration.expired events "
                + "delivered %d ms after its run started (run included); noisy deliveries in flight %d%n",
                answers.get(202), answers.get(429), delivered.toMillis(), noisyInFlight);
    }
}
