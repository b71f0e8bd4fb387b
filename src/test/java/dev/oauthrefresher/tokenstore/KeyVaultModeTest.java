package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.testsupport.TestSecrets;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.Concurrently;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Management;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.KeyVaultProfile;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.refresh.run.RefreshTask;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.InjectVaults;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.Vaults;
import dev.oauthrefresher.integration.IntegrationRegistryApiTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole application with {@code refresher.token-store.kind=key-vault}, against HTTPS Key Vault fakes. The boot has
 * two vaults ({@link KeyVaultProfile}): a registered integration's secret is looked up in the vault its row records,
 * and "the vault" of a single-vault deployment is both of them together.
 */
@QuarkusTest
@TestProfile(KeyVaultProfile.class)
class KeyVaultModeTest {

    static final String ADMIN = "Bearer test-admin-token";
    static final String TOKEN_STORE_CHECK = "checks.find { it.name == 'token-store' }";

    @InjectVaults
    Vaults vaults;

    @Inject
    TokenStore tokenStore;

    @Inject
    VaultBudget budget;

    @Inject
    Seeder seeder;

    @BeforeEach
    void resetFakes() {
        vaults.reset();
    }

    @Test
    void shouldBeReadyWhenTheDatabaseAndKeyVaultAnswer() {
        Management.given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(TOKEN_STORE_CHECK + ".status", equalTo("UP"))
                .body(TOKEN_STORE_CHECK + ".data.kind", equalTo("key-vault"))
                .body("checks.name", hasItem("Database connections health check"));
        for (KeyVaultFake vault : vaults.all()) {
            assertThat(vault.requests()).extracting(KeyVaultFake.Request::secretName).contains(KeyVaultTokenStore.PROBE_SECRET);
        }
    }

    @Test
    void shouldNotBeReadyWhenKeyVaultRefusesThisServicesIdentity() {
        vaults.defaultVault().failNext(1, 403, Map.of());

        Management.given().get("/q/health/ready").then().statusCode(503)
                .body("status", equalTo("DOWN"))
                .body(TOKEN_STORE_CHECK + ".status", equalTo("DOWN"))
                .body(TOKEN_STORE_CHECK + ".data.reason", containsString("HTTP 403"));
    }

    @Test
    void shouldKeepARegisteredIntegrationsTokensInKeyVault() throws Exception {
        String tenant = IntegrationRegistryApiTest.newTenant();

        Response created = register(tenant, "erin@example.com");

        created.then().statusCode(201);
        assertThat(created.asString()).doesNotContain("secret-value");
        String id = created.path("id");
        String secretName = Integration.secretNameFor(UUID.fromString(id));
        KeyVaultFake.StoredSecret stored = vaultOf(id).latest(secretName).orElseThrow();
        assertThat(stored.contentType()).isEqualTo("application/json");
        JsonNode document = new ObjectMapper().readTree(stored.value());
        // this boot runs with write-access-tokens=false: the document's access token is the one of its last write
        assertThat(document.get("schema").asInt()).isEqualTo(2);
        assertThat(document.get("access_token").asText()).isEqualTo("at-secret-value-1");
        assertThat(document.get("refresh_token").asText()).isEqualTo("rt-secret-value-1");
        assertThat(otherVault(id).holds(secretName)).as("not in the other vault").isFalse();
        TokenStore.Versioned loaded = tokenStore.load(new SecretRef(vaultName(id), secretName)).await().indefinitely()
                .orElseThrow();
        assertThat(loaded.version()).isEqualTo(stored.version());
        assertThat(loaded.tokens().refreshToken().reveal()).isEqualTo("rt-secret-value-1");
    }

    @Test
    void shouldLeaveOnlyTheWinnersSecretInKeyVaultAfterADuplicateRegistrationRace() throws Exception {
        String tenant = IntegrationRegistryApiTest.newTenant();
        Set<String> before = liveSecretNames();

        List<Integer> statuses = Concurrently.run(6, () -> register(tenant, "race@example.com").statusCode());

        assertThat(statuses).containsOnly(201, 409).filteredOn(status -> status == 201).hasSize(1);
        String winner = given().header("Authorization", ADMIN).get("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(200).extract().path("items[0].id");
        Set<String> added = new HashSet<>(liveSecretNames());
        added.removeAll(before);
        assertThat(added).as("secrets in the vault written by the race")
                .containsExactly(Integration.secretNameFor(UUID.fromString(winner)));
        assertThat(requests()).filteredOn(r -> r.method().equals("PUT") && !r.secretName().equals(KeyVaultTokenStore.PROBE_SECRET))
                .as("secret writes").hasSize(1);
    }

    @Test
    void shouldRegisterNothingAndAnswer503WithTheCauseInTheLogWhenKeyVaultKeepsFailing() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        // the registration's vault is chosen from the id it is given, so both vaults keep failing
        vaults.all().forEach(vault -> vault.failNext(4, 503, Map.of()));

        try (LogCapture logs = LogCapture.install()) {
            register(tenant, "frank@example.com").then().statusCode(503)
                    .contentType("application/problem+json")
                    .body("detail", containsString("nothing was registered"));
            // an operator sees why (the vault's status), not only that the call failed
            assertThat(logs.text()).contains("register of secret", "failed in the token store", "HTTP 503");
        }

        assertThat(requests()).extracting(KeyVaultFake.Request::method).containsExactly("PUT", "PUT", "PUT", "PUT");
        given().header("Authorization", ADMIN).get("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void shouldKeepAuthenticatingKeysWhileThirtyRegistrationsWaitForAStalledVault() throws Exception {
        String tenant = IntegrationRegistryApiTest.newTenant();
        String key = TenantKeys.issue(tenant);
        vaults.all().forEach(KeyVaultFake::holdWrites);
        ExecutorService pool = Executors.newFixedThreadPool(30);
        try {
            List<Future<Response>> registrations = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String account = "stalled-" + i + "@example.com";
                registrations.add(pool.submit(() -> register(tenant, account)));
            }
            // thirty writes wait in the vault at once: a registration holds neither one of the 20 pooled connections
            // nor one of the 20 worker threads while the vault does not answer (before, the 21st never got this far)
            Poll.until("thirty secret writes waiting in the vaults", Duration.ofSeconds(8), () -> requests().stream()
                    .filter(r -> r.method().equals("PUT") && r.secretName().startsWith("integration-")).count() >= 30);
            given().header("Authorization", TenantKeys.bearer(key)).get("/v1/integrations").then().statusCode(200);
            vaults.all().forEach(KeyVaultFake::releaseWrites);

            for (Future<Response> registration : registrations) {
                registration.get(60, TimeUnit.SECONDS).then().statusCode(201);
            }
        } finally {
            vaults.all().forEach(KeyVaultFake::releaseWrites);
            pool.shutdownNow();
        }
        given().header("Authorization", ADMIN).get("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(200).body("total", equalTo(30));
    }

    @Test
    void shouldMoveAnIntegrationWhoseSecretHoldsNoTokenDocumentToErrorWithoutCallingTheProvider() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        String id = register(tenant, "gina@example.com", "fake-google").then().statusCode(201).extract().path("id");
        vaultOf(id).seed(Integration.secretNameFor(UUID.fromString(id)), "not a token document", "application/json");
        vaults.reset();

        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, id)
                .then().statusCode(200)
                .body("outcome", equalTo("error"))
                .body("integration.status", equalTo("error"))
                .body("integration.lastErrorCode", equalTo("tokens_unreadable"));
        // one read, no retry of a document that will read the same the next time
        assertThat(requests()).extracting(KeyVaultFake.Request::method).containsExactly("GET");
        assertThat(vaultOf(id).requests()).extracting(KeyVaultFake.Request::method).containsExactly("GET");
    }

    @Test
    void shouldDeleteAndPurgeTheSecretWhenATenantDisconnects() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        String key = TenantKeys.issue(tenant);
        String id = register(tenant, "gina@example.com").then().statusCode(201).extract().path("id");
        String secretName = Integration.secretNameFor(UUID.fromString(id));
        KeyVaultFake vault = vaultOf(id);
        assertThat(vault.holds(secretName)).isTrue();

        given().header("Authorization", TenantKeys.bearer(key)).delete("/v1/integrations/{id}", id).then().statusCode(204);

        assertThat(vault.holds(secretName)).as("secret purged").isFalse();
        assertThat(vault.requests()).extracting(KeyVaultFake.Request::method).contains("DELETE", "DELETE deleted");
        given().header("Authorization", TenantKeys.bearer(key)).get("/v1/integrations/{id}", id).then().statusCode(404);
        given().header("Authorization", TenantKeys.bearer(key)).delete("/v1/integrations/{id}", id).then().statusCode(204);
    }

    @Test
    void shouldRevokeTheGrantReadFromTheVaultWhenPurgeProtectionKeepsTheDeletedSecret() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        String key = TenantKeys.issue(tenant);
        FakeTokenEndpoint google = FakeTokenEndpointResource.google();
        String grant = "purge-protected-" + UUID.randomUUID();
        String refreshToken = google.newGrant(grant);
        String id = registerGrant(tenant, grant, refreshToken);
        String secretName = Integration.secretNameFor(UUID.fromString(id));
        KeyVaultFake vault = vaultOf(id);
        vault.failPurges(true);
        try {
            given().header("Authorization", TenantKeys.bearer(key)).delete("/v1/integrations/{id}", id).then().statusCode(204);
        } finally {
            vault.failPurges(false);
        }

        assertThat(vault.isSoftDeleted(secretName)).as("kept, soft-deleted, by purge protection").isTrue();
        Poll.until("the grant revoked at the provider", Duration.ofSeconds(20), () -> !google.live(grant));
        assertThat(google.revocations()).filteredOn(call -> refreshToken.equals(call.form().get("token")))
                .extracting(FakeTokenEndpoint.Revocation::status).containsExactly(200);
    }

    @Test
    void shouldQueueNoRevocationWhenTheVaultCannotGiveTheTokensSoTheLiveIntegrationKeepsItsGrant() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        String key = TenantKeys.issue(tenant);
        FakeTokenEndpoint google = FakeTokenEndpointResource.google();
        String grant = "unread-" + UUID.randomUUID();
        String id = registerGrant(tenant, grant, google.newGrant(grant));
        KeyVaultFake vault = vaultOf(id);
        vault.failNext(1, 403, Map.of());

        given().header("Authorization", TenantKeys.bearer(key)).delete("/v1/integrations/{id}", id).then().statusCode(503);

        given().header("Authorization", TenantKeys.bearer(key)).get("/v1/integrations/{id}", id).then().statusCode(200);
        assertThat(seeder.count("SELECT count(*) FROM revocation WHERE integration_id = :id", Map.of("id", UUID.fromString(id))))
                .as("nothing queued for an integration that lives on").isZero();
        assertThat(google.live(grant)).isTrue();
        given().header("Authorization", TenantKeys.bearer(key)).delete("/v1/integrations/{id}", id).then().statusCode(204);
        Poll.until("the grant revoked once the disconnect went through", Duration.ofSeconds(20), () -> !google.live(grant));
    }

    /** Registers a live grant of the fake Google endpoint in group {@code fake-google}; returns the integration's id. */
    private static String registerGrant(String tenant, String grant, String refreshToken) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", "google", "providerGroup", "fake-google", "externalAccount", grant + "@example.com",
                        "accessToken", "at-" + grant, "refreshToken", refreshToken,
                        "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()))
                .post("/admin/tenants/{t}/integrations", tenant).then().statusCode(201).extract().path("id");
    }

    @Test
    void shouldKeepASoftDeletedSecretWhenTheVaultRefusesThePurge() {
        String secretName = Integration.secretNameFor(UUID.randomUUID());
        KeyVaultFake fake = vaults.defaultVault();
        fake.seed(secretName, "{}", "application/json");
        fake.failPurges(true);
        try {
            tokenStore.delete(TestSecrets.named(secretName)).await().atMost(java.time.Duration.ofSeconds(30));
        } finally {
            fake.failPurges(false);
        }
        assertThat(fake.isSoftDeleted(secretName)).isTrue();
        assertThat(tokenStore.load(TestSecrets.named(secretName)).await().indefinitely()).isEmpty();
        tokenStore.delete(TestSecrets.named(secretName)).await().atMost(java.time.Duration.ofSeconds(30));
        assertThat(fake.holds(secretName)).as("purged by the repeated delete").isFalse();
    }

    @Test
    void shouldStillReadATokenDocumentWrittenWithoutASchemaField() {
        String secretName = Integration.secretNameFor(UUID.randomUUID());
        vaults.defaultVault().seed(secretName, "{\"access_token\":\"at-old\",\"refresh_token\":\"rt-old\","
                + "\"expires_at\":\"2030-01-01T00:00:00Z\",\"token_type\":\"Bearer\"}", "application/json");

        TokenSet tokens = tokenStore.load(TestSecrets.named(secretName)).await().indefinitely().orElseThrow().tokens();

        assertThat(tokens.refreshToken().reveal()).isEqualTo("rt-old");
        assertThat(tokens.expiresAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
    }

    @Test
    void shouldAnswerOnDemandCallersVaultBudgetWithoutSendingAnythingWhileScheduledCallsStillGetPermits() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        vaults.reset();
        try {
            shareTheVaultWithOtherReplicas();
            // a run's calls have queued more than an on-demand caller may wait (2 s), less than a scheduled one may (5 s),
            // in each vault: the registration's vault is chosen from the id it is given
            for (String vault : List.of(SecretRef.DEFAULT_VAULT, "shard-2")) {
                queueScheduledPermits(vault, Duration.ofSeconds(3));
            }

            Response registration = given().header("Authorization", TenantKeys.bearer(key)).contentType(ContentType.JSON)
                    .body(Map.of("provider", "google", "providerGroup", "google-default", "externalAccount", "budget@example.com",
                            "accessToken", "at-secret-value-1", "refreshToken", "rt-secret-value-1",
                            "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()))
                    .post("/v1/integrations");
            Response token = given().header("Authorization", TenantKeys.bearer(key)).contentType(ContentType.JSON)
                    .body(Map.of("minValidSeconds", 60)).post("/v1/integrations/{id}/access-token", row.id());

            for (Response refused : List.of(registration, token)) {
                refused.then().statusCode(503).contentType("application/problem+json")
                        .body("type", equalTo("urn:oauth-refresher:problem:vault-budget"))
                        .body("detail", containsString("refresher.token-store.key-vault.on-demand-share"));
                assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 3L);
            }
            assertThat(requests()).as("nothing sent to either vault").isEmpty();
            given().header("Authorization", ADMIN).get("/admin/tenants/{t}/integrations", tenant)
                    .then().statusCode(200).body("total", equalTo(1));

            assertThat(tokenStore.withPriority(VaultPriority.SCHEDULED).load(TestSecrets.of(row.id()))
                    .await().atMost(Duration.ofSeconds(10))).as("a run's read, served within its bound").isPresent();
        } finally {
            restoreTheBudget();
        }
    }

    @Test
    void shouldDeferARunsRowUntouchedWhenTheVaultBudgetHasNoPermitWithinTheScheduledBound() throws Exception {
        String tenant = IntegrationRegistryApiTest.newTenant();
        Seeded row = seeder.integrations(tenant, "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.MINUTES)).get(0);
        vaults.reset();
        ExecutorService filler = Executors.newSingleThreadExecutor();
        try {
            shareTheVaultWithOtherReplicas();
            // other rows of a run keep the queue past the scheduled bound (5 s) for as long as this run lasts
            Future<?> busy = filler.submit(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        budget.limiter(SecretRef.DEFAULT_VAULT).acquire(VaultPriority.SCHEDULED);
                    } catch (VaultBudgetExhaustedException full) {
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException stop) {
                            return;
                        }
                    }
                }
            });
            Poll.until("a queue past the scheduled bound", Duration.ofSeconds(10), () -> {
                try {
                    budget.limiter(SecretRef.DEFAULT_VAULT).acquire(VaultPriority.SCHEDULED);
                    return false;
                } catch (VaultBudgetExhaustedException full) {
                    return true;
                }
            });

            given().header("Authorization", "Bearer test-cron-token").contentType(ContentType.JSON)
                    .body("{\"tenant\":\"" + tenant + "\"}").post("/cron/" + RefreshTask.NAME)
                    .then().statusCode(200).body("selected", equalTo(1)).body("refreshed", equalTo(0))
                    .body("deferred", equalTo(1)).body("details.tokenStoreFailures", equalTo(1));
            busy.cancel(true);
        } finally {
            filler.shutdownNow();
            filler.awaitTermination(5, TimeUnit.SECONDS);
            restoreTheBudget();
        }
        assertThat(requests()).as("nothing sent to either vault").isEmpty();
        assertThat(FakeTokenEndpointResource.google().successes(row.grant())).as("the provider was not called").isZero();
        assertThat(seeder.column(row.id(), "status")).isEqualTo("active");
        assertThat(seeder.column(row.id(), "lease_owner")).as("released for a later claim").isNull();
        assertThat(seeder.count("SELECT count(*) FROM refresh_attempt WHERE integration_id = :id", Map.of("id", row.id())))
                .as("nothing was attempted").isZero();
        assertThat(Management.given().get("/q/metrics").then().statusCode(200).extract().asString())
                .containsPattern("refresher_key_vault_permits_refused_total\\{priority=\"scheduled\",vault=\"default\"} [1-9]");
    }

    /**
     * 359 other live replicas in {@code replica_heartbeat}: this replica's share of each vault drops to 1 request/s, so
     * a queue of a few seconds is a few permits, and time passing during a test does not empty it.
     */
    void shareTheVaultWithOtherReplicas() {
        seeder.sql("INSERT INTO replica_heartbeat (replica_id, seen_at) SELECT 'other-replica-' || g, now() "
                + "FROM generate_series(1, 359) g", Map.of());
        budget.beat();
        assertThat(budget.requestsPerSecond(SecretRef.DEFAULT_VAULT)).hasValue(1.0);
        assertThat(budget.requestsPerSecond("shard-2")).hasValue(1.0);
    }

    /** Takes scheduled permits of {@code vault}, as a busy run would, until one had to wait {@code queued}. */
    void queueScheduledPermits(String vault, Duration queued) {
        VaultLimiter limiter = budget.limiter(vault);
        Duration wait = Duration.ZERO;
        while (wait.compareTo(queued) < 0) {
            wait = limiter.acquire(VaultPriority.SCHEDULED);
        }
    }

    /** This replica alone again, and on-demand calls getting permits of each vault, so the next test starts with room. */
    void restoreTheBudget() {
        seeder.sql("DELETE FROM replica_heartbeat WHERE replica_id LIKE 'other-replica-%'", Map.of());
        budget.beat();
        for (String vault : List.of(SecretRef.DEFAULT_VAULT, "shard-2")) {
            VaultLimiter limiter = budget.limiter(vault);
            Poll.until("on-demand permits of " + vault + " again", Duration.ofSeconds(15), () -> {
                try {
                    return limiter.acquire(VaultPriority.ON_DEMAND).isZero();
                } catch (VaultBudgetExhaustedException e) {
                    return false;
                }
            });
        }
    }

    /** The name of the vault the integration's row records: a new integration lands in either. */
    String vaultName(String id) {
        return (String) seeder.column(UUID.fromString(id), "vault");
    }

    /** The fake of the vault the integration's row records. */
    KeyVaultFake vaultOf(String id) {
        return vaults.named(vaultName(id));
    }

    KeyVaultFake otherVault(String id) {
        return vaultOf(id) == vaults.defaultVault() ? vaults.shard2() : vaults.defaultVault();
    }

    /** What either vault received since the last reset, the default vault's first. */
    List<KeyVaultFake.Request> requests() {
        return vaults.all().stream().flatMap(vault -> vault.requests().stream()).toList();
    }

    /** Secrets live in either vault. */
    Set<String> liveSecretNames() {
        Set<String> names = new HashSet<>();
        vaults.all().forEach(vault -> names.addAll(vault.liveSecretNames()));
        return names;
    }

    static Response register(String tenant, String account) {
        return register(tenant, account, "google-default");
    }

    static Response register(String tenant, String account, String providerGroup) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", "google", "providerGroup", providerGroup, "externalAccount", account,
                        "accessToken", "at-secret-value-1", "refreshToken", "rt-secret-value-1",
                        "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()))
                .post("/admin/tenants/{t}/integrations", tenant);
    }
}
