package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.refresh.run.RefreshTask;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationRegistryApiTest;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.KeyVaultProfile;
import dev.oauthrefresher.testsupport.Management;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.InjectVaults;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.Vaults;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import dev.oauthrefresher.retention.RetentionJob;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two vaults, each an HTTPS Key Vault fake reached through the real Azure SDK: {@code default} (the single
 * {@code url} of a deployment that had one vault) and {@code shard-2}, added next to it.
 */
@QuarkusTest
@TestProfile(KeyVaultProfile.class)
class ShardedKeyVaultTest {

    static final String ADMIN = "Bearer test-admin-token";

    @InjectVaults
    Vaults vaults;

    @Inject
    Seeder seeder;

    @Inject
    VaultBudget budget;

    @Inject
    RetentionJob retention;

    @Inject
    MeterRegistry registry;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();
    // a rotating provider's refresh writes to the vault whatever write-access-tokens says (false in this boot)
    final FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();

    @BeforeEach
    void resetFakes() {
        vaults.reset();
    }

    @AfterEach
    void forgetOtherReplicas() {
        seeder.sql("DELETE FROM replica_heartbeat WHERE replica_id LIKE 'other-replica-%'", Map.of());
        budget.beat();
    }

    @Test
    void shouldRecordEachNewIntegrationsVaultOnItsRowAndKeepItsSecretOnlyThere() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        Map<String, Integer> perVault = new HashMap<>();

        for (int i = 0; i < 24; i++) {
            String id = register(tenant, "user-" + i + "@example.com").then().statusCode(201).extract().path("id");
            String vault = (String) seeder.column(UUID.fromString(id), "vault");
            String secretName = Integration.secretNameFor(UUID.fromString(id));
            perVault.merge(vault, 1, Integer::sum);
            assertThat(vaults.named(vault).holds(secretName)).as("%s in its row's vault %s", id, vault).isTrue();
            assertThat(vaults.named(other(vault)).holds(secretName)).as("%s not in the other vault", id).isFalse();
        }

        assertThat(perVault).as("one tenant's integrations spread over both vaults").containsOnlyKeys("default", "shard-2");
    }

    @Test
    void shouldRefreshAndServeFromTheVaultOnTheRowWhateverVaultsAreAddedLater() {
        String tenant = seeder.tenant("routing");
        String key = TenantKeys.issue(tenant);
        Instant inAnHour = Instant.now().plus(1, ChronoUnit.HOURS);
        Seeded inShard = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1, inAnHour, "shard-2").get(0);
        // written by the one-vault release: no vault on the row, its tokens in the vault that is now 'default'
        Seeded before = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1, inAnHour).get(0);
        vaults.reset();

        given().header("Authorization", TenantKeys.bearer(key)).contentType(ContentType.JSON).body("{}")
                .post("/v1/integrations/{id}/access-token", inShard.id())
                .then().statusCode(200).body("refreshed", equalTo(false))
                .body("accessToken", equalTo("at-initial-" + inShard.grant()));
        refresh(tenant, inShard.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
        refresh(tenant, before.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));

        assertThat(methodsOn(vaults.shard2(), inShard.id())).as("access token read, then the refresh's read and write")
                .containsExactly("GET", "GET", "PUT");
        assertThat(methodsOn(vaults.defaultVault(), inShard.id())).isEmpty();
        assertThat(methodsOn(vaults.defaultVault(), before.id())).containsExactly("GET", "PUT");
        assertThat(methodsOn(vaults.shard2(), before.id())).isEmpty();
        assertThat(rotating.successes(inShard.grant())).isEqualTo(1);
        assertThat(seeder.column(before.id(), "vault")).as("never recomputed").isNull();
    }

    @Test
    void shouldDeferARowWhoseVaultIsNoLongerConfiguredAndChangeNothing() {
        String tenant = seeder.tenant("retired");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);
        seeder.sql("UPDATE integration SET vault = 'retired' WHERE id = :id", Map.of("id", row.id()));
        vaults.reset();
        double before = notConfigured("retired");

        refresh(tenant, row.id()).then().statusCode(200)
                .body("outcome", equalTo("deferred"))
                .body("integration.status", equalTo("active"))
                .body("integration.lastErrorCode", nullValue());
        given().header("Authorization", "Bearer test-cron-token").contentType(ContentType.JSON)
                .body("{\"tenant\":\"" + tenant + "\"}").post("/cron/" + RefreshTask.NAME)
                .then().statusCode(200).body("selected", equalTo(1)).body("refreshed", equalTo(0));

        assertThat(notConfigured("retired") - before).isEqualTo(2.0);
        assertThat(seeder.column(row.id(), "status")).isEqualTo("active");
        assertThat(seeder.column(row.id(), "lease_owner")).isNull();
        assertThat(google.successes(row.grant())).as("the provider was never called").isZero();
        assertThat(vaults.defaultVault().requests()).filteredOn(r -> r.secretName().startsWith("integration-")).isEmpty();
        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void shouldShareEachVaultsBudgetWithTheOtherLiveReplicas() {
        assertThat(ratesInMetrics()).containsEntry("default", 360.0).containsEntry("shard-2", 360.0);

        seeder.sql("INSERT INTO replica_heartbeat (replica_id, seen_at) VALUES ('other-replica-1', now())", Map.of());
        budget.beat();
        assertThat(ratesInMetrics()).as("4000 x 0.9 per 10 s, halved").containsEntry("default", 180.0)
                .containsEntry("shard-2", 180.0);
        assertThat(budget.requestsPerSecond("shard-2")).hasValue(180.0);

        // a replica unseen for three intervals no longer shares the budget
        seeder.sql("UPDATE replica_heartbeat SET seen_at = now() - interval '4 hours' WHERE replica_id = 'other-replica-1'",
                Map.of());
        budget.beat();
        assertThat(ratesInMetrics()).containsEntry("default", 360.0);
        retention.runOnce();
        assertThat(seeder.count("SELECT count(*) FROM replica_heartbeat WHERE replica_id = 'other-replica-1'", Map.of()))
                .as("rows older than the heartbeat retention (3h here) are deleted by the retention job").isZero();
    }

    @Test
    void shouldMoveATenantsIntegrationsToAnotherVaultPurgeTheOldSecretsAndContinueWhenRepeated() {
        String tenant = seeder.tenant("move");
        Instant inAnHour = Instant.now().plus(1, ChronoUnit.HOURS);
        List<Seeded> inDefault = seeder.integrations(tenant, "google", "fake-google", google, 3, inAnHour);
        seeder.integrations(tenant, "google", "fake-google", google, 1, inAnHour, "shard-2");
        Seeded pending = seeder.integrations(tenant, "google", "fake-google", google, 1, inAnHour).get(0);
        seeder.sql("INSERT INTO pending_rotation (integration_id, sealed_tokens, key_id, started_at) "
                + "VALUES (:id, '\\x00'::bytea, 'another-key', now())", Map.of("id", pending.id()));

        moveTo(tenant, "shard-2").then().statusCode(200)
                .body("moved", equalTo(3)).body("alreadyThere", equalTo(4)).body("remaining", equalTo(1))
                .body("skipped[0].integrationId", equalTo(pending.id().toString()))
                .body("skipped[0].reason", equalTo("rotation_pending"))
                .body("failed", org.hamcrest.Matchers.empty()).body("orphaned", org.hamcrest.Matchers.empty());

        for (Seeded row : inDefault) {
            String name = Integration.secretNameFor(row.id());
            assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
            assertThat(seeder.column(row.id(), "lease_owner")).isNull();
            assertThat(vaults.shard2().latest(name).orElseThrow().value()).contains("at-initial-" + row.grant());
            assertThat(vaults.defaultVault().holds(name)).as("deleted and purged from the old vault").isFalse();
        }
        assertThat(vaults.defaultVault().holds(Integration.secretNameFor(pending.id()))).isTrue();
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'integration.vault-move' AND tenant_id = :t "
                + "AND detail = 'default -> shard-2'", Map.of("t", tenant))).isEqualTo(3);

        moveTo(tenant, "shard-2").then().statusCode(200)
                .body("moved", equalTo(0)).body("alreadyThere", equalTo(4)).body("remaining", equalTo(1));
        vaults.reset();
        refresh(tenant, inDefault.get(0).id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
        // read where the row now points; a kept refresh token is not written again (write-access-tokens=false here)
        assertThat(methodsOn(vaults.shard2(), inDefault.get(0).id())).containsExactly("GET");
        assertThat(methodsOn(vaults.defaultVault(), inDefault.get(0).id())).isEmpty();
    }

    @Test
    void shouldNotLetARunRefreshAnIntegrationWhileItMoves() throws Exception {
        String tenant = seeder.tenant("moving");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);
        vaults.shard2().delayWrites(java.time.Duration.ofSeconds(3));
        try {
            java.util.concurrent.CompletableFuture<Integer> move = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> moveTo(tenant, "shard-2").then().statusCode(200).extract().path("moved"));
            Poll.until("the move holds the row", java.time.Duration.ofSeconds(20),
                    () -> String.valueOf(seeder.column(row.id(), "lease_owner")).contains("/vault-move/"));

            given().header("Authorization", "Bearer test-cron-token").contentType(ContentType.JSON)
                    .body("{\"tenant\":\"" + tenant + "\"}").post("/cron/" + RefreshTask.NAME)
                    .then().statusCode(200).body("selected", equalTo(0));

            assertThat(move.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
        } finally {
            vaults.shard2().delayWrites(java.time.Duration.ZERO);
        }
        assertThat(google.successes(row.grant())).isZero();
        assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
    }

    @Test
    void shouldKeepTheCopyAMoveWroteWhenItsLeaseWentToAMoveThatPointedTheRowThere() throws Exception {
        String tenant = seeder.tenant("relost");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        String name = Integration.secretNameFor(row.id());
        vaults.shard2().delayWrites(java.time.Duration.ofSeconds(2));
        try {
            java.util.concurrent.CompletableFuture<io.restassured.response.Response> move =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> moveTo(tenant, "shard-2"));
            Poll.until("the move writing its copy", java.time.Duration.ofSeconds(20), () -> vaults.shard2().requests().stream()
                    .anyMatch(r -> r.method().equals("PUT") && r.secretName().equals(name)));
            // meanwhile the move's lease lapsed and a repeated call (an operator's, after an HTTP timeout) moved the row:
            // it points at the same secret in shard-2, so the first move's copy is the live secret now
            seeder.sql("UPDATE integration SET vault = 'shard-2', lease_owner = NULL, lease_expires_at = NULL WHERE id = :id",
                    Map.of("id", row.id()));

            move.get(30, java.util.concurrent.TimeUnit.SECONDS).then().statusCode(200)
                    .body("failed[0].reason", equalTo("lease_lost")).body("orphaned", org.hamcrest.Matchers.empty());
        } finally {
            vaults.shard2().delayWrites(java.time.Duration.ZERO);
        }
        assertThat(vaults.shard2().latest(name)).as("the live secret in shard-2").isPresent();
        assertThat(vaults.shard2().isSoftDeleted(name)).as("the live secret deleted").isFalse();
        assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
        assertThat(seeder.column(row.id(), "lease_owner")).isNull();
    }

    @Test
    void shouldAnswer409ToASecondMoveOfTheSameTenantWhileOneRunsButLetAnotherTenantMove() throws Exception {
        String tenant = seeder.tenant("onemove");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        String other = seeder.tenant("othermove");
        seeder.integrations(other, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS));
        vaults.shard2().delayWrites(java.time.Duration.ofSeconds(3));
        try {
            java.util.concurrent.CompletableFuture<io.restassured.response.Response> first =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> moveTo(tenant, "shard-2"));
            Poll.until("the first move holds its tenant", java.time.Duration.ofSeconds(20), () -> movesOf(tenant) == 1);

            moveTo(tenant, "shard-2").then().statusCode(409).contentType("application/problem+json")
                    .body("type", equalTo("urn:oauth-refresher:problem:vault-move-in-progress"))
                    .body("detail", org.hamcrest.Matchers.containsString(tenant));
            moveTo(other, "shard-2").then().statusCode(200).body("moved", equalTo(1));

            first.get(30, java.util.concurrent.TimeUnit.SECONDS).then().statusCode(200).body("moved", equalTo(1));
        } finally {
            vaults.shard2().delayWrites(java.time.Duration.ZERO);
        }
        assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
        assertThat(movesOf(tenant)).as("the hold is released when the move ends").isZero();
        moveTo(tenant, "default").then().statusCode(200).body("moved", equalTo(1));
    }

    @Test
    void shouldRefuseAMoveWhileAnotherReplicasMoveHoldsTheTenantAndTakeOverOneThatLapsed() {
        String tenant = seeder.tenant("heldmove");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        seeder.sql("INSERT INTO vault_move (tenant_id, owner, started_at, held_until) "
                + "VALUES (:t, 'vault-move/another-replica', now(), now() + interval '5 minutes')", Map.of("t", tenant));

        moveTo(tenant, "shard-2").then().statusCode(409).body("type", equalTo("urn:oauth-refresher:problem:vault-move-in-progress"));
        assertThat(seeder.column(row.id(), "vault")).isNull();

        // that replica died: its hold lapses and the next move takes the tenant over
        seeder.sql("UPDATE vault_move SET held_until = now() - interval '1 second' WHERE tenant_id = :t", Map.of("t", tenant));
        moveTo(tenant, "shard-2").then().statusCode(200).body("moved", equalTo(1));
        assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
        assertThat(movesOf(tenant)).isZero();
    }

    @Test
    void shouldAnswer503VaultBudgetToAMoveThatMovedNothingBecauseTheBudgetHadNoRoom() {
        String tenant = seeder.tenant("budgetmove");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 2, Instant.now().plus(1, ChronoUnit.HOURS));
        vaults.reset();
        // 359 other live replicas leave this one 1 request/s of each vault, and a run has queued 3 s of them
        seeder.sql("INSERT INTO replica_heartbeat (replica_id, seen_at) SELECT 'other-replica-' || g, now() "
                + "FROM generate_series(1, 359) g", Map.of());
        budget.beat();
        VaultLimiter limiter = budget.limiter(SecretRef.DEFAULT_VAULT);
        java.time.Duration wait = java.time.Duration.ZERO;
        while (wait.compareTo(java.time.Duration.ofSeconds(3)) < 0) {
            wait = limiter.acquire(VaultPriority.SCHEDULED);
        }

        io.restassured.response.Response refused = moveTo(tenant, "shard-2");

        refused.then().statusCode(503).contentType("application/problem+json")
                .body("type", equalTo("urn:oauth-refresher:problem:vault-budget"));
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 3L);
        for (Seeded row : rows) {
            assertThat(seeder.column(row.id(), "vault")).isNull();
            assertThat(seeder.column(row.id(), "lease_owner")).isNull();
        }
        assertThat(movesOf(tenant)).isZero();
        assertThat(vaults.defaultVault().requests()).isEmpty();
        assertThat(vaults.shard2().requests()).isEmpty();

        seeder.sql("DELETE FROM replica_heartbeat WHERE replica_id LIKE 'other-replica-%'", Map.of());
        budget.beat();
        Poll.until("on-demand permits again", java.time.Duration.ofSeconds(15), () -> {
            try {
                return limiter.acquire(VaultPriority.ON_DEMAND).isZero();
            } catch (VaultBudgetExhaustedException e) {
                return false;
            }
        });
    }

    long movesOf(String tenant) {
        return seeder.count("SELECT count(*) FROM vault_move WHERE tenant_id = :t", Map.of("t", tenant));
    }

    @Test
    void shouldRefuseAMoveToAVaultThatIsNotConfigured() {
        String tenant = seeder.tenant("nowhere");

        moveTo(tenant, "shard-9").then().statusCode(400).contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString("to"));
        given().contentType(ContentType.JSON).body("{\"to\":\"shard-2\"}")
                .post("/admin/tenants/{t}/vault-move", tenant).then().statusCode(401);
    }

    static io.restassured.response.Response moveTo(String tenant, String vault) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(Map.of("to", vault))
                .post("/admin/tenants/{t}/vault-move", tenant);
    }

    static String other(String vault) {
        return vault.equals("default") ? "shard-2" : "default";
    }

    List<String> methodsOn(KeyVaultFake fake, UUID id) {
        String name = Integration.secretNameFor(id);
        return fake.requests().stream().filter(r -> r.secretName().equals(name)).map(KeyVaultFake.Request::method).toList();
    }

    double notConfigured(String vault) {
        return registry.find("refresher.vault.not.configured").tags("vault", vault).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    static Map<String, Double> ratesInMetrics() {
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^refresher_key_vault_requests_per_second\\{vault=\"([a-z0-9-]+)\"} ([0-9.E]+)$")
                .matcher(metrics);
        Map<String, Double> rates = new HashMap<>();
        while (m.find()) {
            rates.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return rates;
    }

    static io.restassured.response.Response refresh(String tenant, UUID id) {
        return given().header("Authorization", ADMIN).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, id);
    }

    static io.restassured.response.Response register(String tenant, String account) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", "google", "providerGroup", "fake-google", "externalAccount", account,
                        "accessToken", "at-secret-value-1", "refreshToken", "rt-secret-value-1",
                        "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()))
                .post("/admin/tenants/{t}/integrations", tenant);
    }
}
