package dev.oauthrefresher.tokenstore;

import static dev.oauthrefresher.tokenstore.ShardedKeyVaultTest.moveTo;
import static dev.oauthrefresher.tokenstore.ShardedKeyVaultTest.refresh;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.refresh.run.RefreshTask;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.KeyVaultProfile;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.InjectVaults;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.Vaults;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sealed layout ({@code database}): tokens sealed by the key ring in PostgreSQL beside two real vaults (HTTPS Key
 * Vault fakes through the real Azure SDK). A tenant moves into it and out of it with the vault move; its refreshes cost
 * no vault transaction; its writes are fenced in their own statement; a disconnect takes the tokens with the row.
 */
@QuarkusTest
@TestProfile(KeyVaultProfile.class)
class SealedLayoutTest {

    @InjectVaults
    Vaults vaults;

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @Inject
    SealedTokens sealedTokens;

    @Inject
    io.vertx.core.Vertx vertx;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();
    final FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();

    @BeforeEach
    void resetFakes() {
        vaults.reset();
    }

    @Test
    void shouldMoveATenantIntoTheSealedLayoutAndRefreshItWithoutAnyVaultTransaction() {
        String tenant = seeder.tenant("seal-in");
        Instant inAnHour = Instant.now().plus(1, ChronoUnit.HOURS);
        List<Seeded> keeping = seeder.integrations(tenant, "google", "fake-google", google, 2, inAnHour);
        Seeded rotatingRow = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1, inAnHour, "shard-2").get(0);

        moveTo(tenant, SecretRef.DATABASE).then().statusCode(200)
                .body("moved", equalTo(3)).body("remaining", equalTo(0))
                .body("failed", org.hamcrest.Matchers.empty()).body("orphaned", org.hamcrest.Matchers.empty());

        for (Seeded row : List.of(keeping.get(0), keeping.get(1), rotatingRow)) {
            String name = Integration.secretNameFor(row.id());
            assertThat(seeder.column(row.id(), "vault")).isEqualTo(SecretRef.DATABASE);
            assertThat(vaults.defaultVault().holds(name) || vaults.shard2().holds(name)).as("gone from its vault").isFalse();
            byte[] sealed = sealedTokens(row.id());
            assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).as("nothing in clear")
                    .doesNotContain("rt-" + row.grant()).doesNotContain("at-initial-");
        }
        vaults.reset();

        refresh(tenant, keeping.get(0).id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
        refresh(tenant, rotatingRow.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
        refresh(tenant, rotatingRow.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));

        assertThat(vaults.defaultVault().requests()).as("no vault transaction").isEmpty();
        assertThat(vaults.shard2().requests()).as("no vault transaction").isEmpty();
        assertThat(version(keeping.get(0).id())).as("a kept refresh token is not written again").isEqualTo(1);
        assertThat(version(rotatingRow.id())).as("each rotation written").isEqualTo(3);
        assertThat(rotating.successes(rotatingRow.grant())).as("the second refresh used the rotated token").isEqualTo(2);
        String key = TenantKeys.issue(tenant);
        given().header("Authorization", TenantKeys.bearer(key)).contentType(ContentType.JSON).body("{}")
                .post("/v1/integrations/{id}/access-token", rotatingRow.id())
                .then().statusCode(200).body("refreshed", equalTo(false));
        assertThat(vaults.defaultVault().requests()).isEmpty();
    }

    @Test
    void shouldResumeAnInterruptedMoveIntoTheSealedLayoutAndLoseNoToken() {
        String tenant = seeder.tenant("seal-resume");
        List<Seeded> rows = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 3,
                Instant.now().plus(1, ChronoUnit.HOURS));
        // the first move's read is refused (a 403 is not retried): that row stays where it was, untouched
        vaults.defaultVault().failNext(1, 403, Map.of());

        given().header("Authorization", ShardedKeyVaultTest.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("to", SecretRef.DATABASE, "limit", 2))
                .post("/admin/tenants/{t}/vault-move", tenant)
                .then().statusCode(200).body("moved", equalTo(1)).body("failed.size()", equalTo(1))
                .body("remaining", equalTo(2));
        assertThat(seeder.count("SELECT count(*) FROM integration_token t JOIN integration i ON i.id = t.integration_id "
                + "WHERE i.tenant_id = :t AND i.vault IS DISTINCT FROM 'database'", Map.of("t", tenant)))
                .as("no sealed copy of a row that did not move").isZero();

        moveTo(tenant, SecretRef.DATABASE).then().statusCode(200).body("moved", equalTo(2)).body("remaining", equalTo(0));

        for (Seeded row : rows) {
            assertThat(seeder.column(row.id(), "vault")).isEqualTo(SecretRef.DATABASE);
            assertThat(vaults.defaultVault().holds(Integration.secretNameFor(row.id()))).isFalse();
            refresh(tenant, row.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
            assertThat(rotating.successes(row.grant())).as("refreshed with the token the move carried").isEqualTo(1);
        }
    }

    @Test
    void shouldMoveATenantOutOfTheSealedLayoutWithItsLatestRotatedToken() {
        String tenant = seeder.tenant("seal-out");
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1,
                Instant.now().plus(1, ChronoUnit.HOURS), SecretRef.DATABASE).get(0);
        refresh(tenant, row.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));

        moveTo(tenant, "shard-2").then().statusCode(200).body("moved", equalTo(1)).body("remaining", equalTo(0));

        assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
        assertThat(seeder.count("SELECT count(*) FROM integration_token WHERE integration_id = :id", Map.of("id", row.id())))
                .as("the sealed copy is deleted once the row points at the vault").isZero();
        assertThat(vaults.shard2().latest(Integration.secretNameFor(row.id())).orElseThrow().value())
                .contains(rotating.latestRefreshToken(row.grant()));
        refresh(tenant, row.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
        assertThat(rotating.successes(row.grant())).isEqualTo(2);
    }

    @Test
    void shouldMoveATenantBackIntoAVaultWhosePurgeProtectionKeptItsDeletedSecret() {
        String tenant = seeder.tenant("seal-back");
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1,
                Instant.now().plus(1, ChronoUnit.HOURS), "shard-2").get(0);
        String name = Integration.secretNameFor(row.id());
        // purge protection, Azure's recommended setting: leaving the vault leaves the secret soft-deleted, and its name
        // cannot be written again until it is recovered (a write answers 409)
        vaults.shard2().failPurges(true);
        try {
            moveTo(tenant, SecretRef.DATABASE).then().statusCode(200).body("moved", equalTo(1));
            assertThat(vaults.shard2().isSoftDeleted(name)).isTrue();
            refresh(tenant, row.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));

            moveTo(tenant, "shard-2").then().statusCode(200).body("moved", equalTo(1)).body("remaining", equalTo(0))
                    .body("failed", org.hamcrest.Matchers.empty());
        } finally {
            vaults.shard2().failPurges(false);
        }

        assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
        assertThat(vaults.shard2().isSoftDeleted(name)).isFalse();
        assertThat(vaults.shard2().latest(name).orElseThrow().value()).as("the rotation made in the database, not the recovered version")
                .contains(rotating.latestRefreshToken(row.grant()));
        assertThat(seeder.count("SELECT count(*) FROM integration_token WHERE integration_id = :id", Map.of("id", row.id())))
                .isZero();
        refresh(tenant, row.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
        assertThat(rotating.successes(row.grant())).isEqualTo(2);
    }

    @Test
    void shouldNotLetARunRefreshASealedIntegrationWhileItMovesOut() throws Exception {
        String tenant = seeder.tenant("seal-race");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(2, ChronoUnit.MINUTES), SecretRef.DATABASE).get(0);
        vaults.shard2().delayWrites(Duration.ofSeconds(3));
        try {
            CompletableFuture<Integer> move = CompletableFuture.supplyAsync(
                    () -> moveTo(tenant, "shard-2").then().statusCode(200).extract().path("moved"));
            Poll.until("the move holds the row", Duration.ofSeconds(20),
                    () -> String.valueOf(seeder.column(row.id(), "lease_owner")).contains("/vault-move/"));

            given().header("Authorization", "Bearer test-cron-token").contentType(ContentType.JSON)
                    .body("{\"tenant\":\"" + tenant + "\"}").post("/cron/" + RefreshTask.NAME)
                    .then().statusCode(200).body("selected", equalTo(0));

            assertThat(move.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        } finally {
            vaults.shard2().delayWrites(Duration.ZERO);
        }
        assertThat(google.successes(row.grant())).as("no refresh while the row moved").isZero();
        assertThat(seeder.column(row.id(), "vault")).isEqualTo("shard-2");
        assertThat(seeder.count("SELECT count(*) FROM integration_token WHERE integration_id = :id", Map.of("id", row.id())))
                .isZero();
        refresh(tenant, row.id()).then().statusCode(200).body("outcome", equalTo("refreshed"));
    }

    @Test
    void shouldDeleteTheSealedTokensWithTheRowOnDisconnectAndTouchNoVault() {
        String tenant = seeder.tenant("seal-bye");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(1, ChronoUnit.HOURS), SecretRef.DATABASE).get(0);
        String key = TenantKeys.issue(tenant);

        given().header("Authorization", TenantKeys.bearer(key)).delete("/v1/integrations/{id}", row.id())
                .then().statusCode(204);

        assertThat(seeder.count("SELECT count(*) FROM integration_token WHERE integration_id = :id", Map.of("id", row.id())))
                .isZero();
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE id = :id", Map.of("id", row.id()))).isZero();
        assertThat(vaults.defaultVault().requests()).isEmpty();
        assertThat(vaults.shard2().requests()).isEmpty();
    }

    @Test
    void shouldLeaveARowWhoseSealedTokensFailAuthenticationUntouched() {
        String tenant = seeder.tenant("seal-bad");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(1, ChronoUnit.HOURS), SecretRef.DATABASE).get(0);
        // one bit of the ciphertext flipped, past the version byte and the key id
        seeder.sql("UPDATE integration_token SET sealed_tokens = set_byte(sealed_tokens, length(sealed_tokens) - 1, "
                + "get_byte(sealed_tokens, length(sealed_tokens) - 1) # 1) WHERE integration_id = :id", Map.of("id", row.id()));

        refresh(tenant, row.id()).then().statusCode(200).body("outcome", equalTo("deferred"))
                .body("integration.status", equalTo("active")).body("integration.lastErrorCode", nullValue());
        assertThat(google.calls(row.grant())).as("no token call without readable tokens").isZero();
    }

    @Test
    void shouldRefuseASealedWriteByAnOwnerThatDoesNotHoldTheRowAndWriteNothing() {
        String tenant = seeder.tenant("seal-fence");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(1, ChronoUnit.HOURS), SecretRef.DATABASE).get(0);
        seeder.sql("UPDATE integration SET lease_owner = 'replica-b/reconnect/1', lease_expires_at = now() + interval '1 minute' "
                + "WHERE id = :id", Map.of("id", row.id()));
        SecretRef secret = new SecretRef(SecretRef.DATABASE, Integration.secretNameFor(row.id()));
        TokenSet stale = new TokenSet(Secret.of("at-stale"), Secret.of("rt-stale"), Instant.now().plus(1, ChronoUnit.HOURS),
                Optional.empty(), "Bearer");

        // a send-by far ahead: only the statement's own check of the owner refuses these writes
        WriteLease replicaA = new WriteLease("replica-a/run/1", () -> Instant.MAX);
        assertThatThrownBy(() -> tokenStore.save(secret, stale, replicaA).await().indefinitely())
                .isInstanceOf(TokenStoreException.class).hasMessageContaining("no longer held");
        assertThatThrownBy(() -> tokenStore.delete(secret, replicaA).await().indefinitely())
                .isInstanceOf(TokenStoreException.class);

        assertThat(version(row.id())).isEqualTo(1);
        assertThat(tokenStore.load(secret).await().indefinitely().orElseThrow().tokens().refreshToken().reveal())
                .isEqualTo(google.latestRefreshToken(row.grant()));
        seeder.sql("UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL WHERE id = :id", Map.of("id", row.id()));
    }

    /**
     * A burst of reads, as a run's refreshes make one: grouped into one statement while another runs, each answered on
     * the event loop it was asked from with its own integration's tokens, a missing row answered empty and a value that
     * does not open failing that read alone; a caller on another thread is answered on a worker thread.
     */
    @Test
    void shouldGroupABurstOfSealedReadsAndAnswerEachOnItsOwnEventLoop() throws Exception {
        String tenant = seeder.tenant("seal-reads");
        List<Seeded> rows = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 40,
                Instant.now().plus(1, ChronoUnit.HOURS));
        moveTo(tenant, SecretRef.DATABASE).then().statusCode(200).body("moved", equalTo(40));
        UUID tampered = rows.get(7).id();
        seeder.sql("UPDATE integration_token SET sealed_tokens = set_byte(sealed_tokens, length(sealed_tokens) - 1, "
                + "get_byte(sealed_tokens, length(sealed_tokens) - 1) # 1) WHERE integration_id = :id", Map.of("id", tampered));
        UUID missing = UUID.randomUUID();

        // the first statement waits until the whole burst is queued, so what it did not take must share the second one
        CountDownLatch burstQueued = new CountDownLatch(1);
        List<Integer> statements = new CopyOnWriteArrayList<>();
        SealedTokens counting = new SealedTokens() {
            @Override
            public Map<UUID, Stored> readAll(Collection<UUID> ids) {
                if (statements.isEmpty()) {
                    await(burstQueued);
                }
                statements.add(ids.size());
                return sealedTokens.readAll(ids);
            }

            @Override
            public TokenStore.Versioned open(UUID id, Stored stored) {
                return sealedTokens.open(id, stored);
            }

            @Override
            public String save(UUID id, TokenSet tokens, Optional<String> leaseOwner) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void delete(UUID id, Optional<String> leaseOwner) {
                throw new UnsupportedOperationException();
            }
        };
        SealedReads reads = new SealedReads(counting, Duration.ZERO);
        List<UUID> asked = new ArrayList<>(rows.stream().map(Seeded::id).toList());
        asked.add(missing);
        Map<UUID, CompletableFuture<Optional<TokenStore.Versioned>>> answers = new ConcurrentHashMap<>();
        Map<UUID, String> askedOn = new ConcurrentHashMap<>();
        Map<UUID, String> answeredOn = new ConcurrentHashMap<>();
        vertx.runOnContext(ignored -> {
            for (UUID id : asked) {
                CompletableFuture<Optional<TokenStore.Versioned>> answer = new CompletableFuture<>();
                answers.put(id, answer);
                askedOn.put(id, Thread.currentThread().getName());
                reads.load(id).subscribe().with(value -> {
                    answeredOn.put(id, Thread.currentThread().getName());
                    answer.complete(value);
                }, failure -> {
                    answeredOn.put(id, Thread.currentThread().getName());
                    answer.completeExceptionally(failure);
                });
            }
            burstQueued.countDown();
        });

        // every answer's future is in the map once the event loop has queued the whole burst
        assertThat(burstQueued.await(30, TimeUnit.SECONDS)).as("the burst was queued").isTrue();
        CompletableFuture.allOf(answers.values().stream().map(a -> a.exceptionally(e -> null))
                .toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        // the first statement takes what was queued when it began (one read or more); the rest share the second
        assertThat(statements).as("at most one statement, then the rest of the burst in one more").hasSizeBetween(1, 2);
        assertThat(statements.stream().mapToInt(Integer::intValue).sum()).isEqualTo(asked.size());
        assertThat(askedOn.get(missing)).startsWith("vert.x-eventloop-thread-");
        assertThat(answeredOn).as("each answered on the event loop it asked from").isEqualTo(askedOn);
        for (Seeded row : rows) {
            if (row.id().equals(tampered)) {
                assertThat(answers.get(tampered)).as("a value that does not open fails its read alone")
                        .failsWithin(Duration.ZERO).withThrowableThat().havingCause().isInstanceOf(TokenStoreException.class);
                continue;
            }
            assertThat(answers.get(row.id()).get().orElseThrow().tokens().refreshToken().reveal())
                    .isEqualTo(sealedTokens.load(row.id()).orElseThrow().tokens().refreshToken().reveal());
        }
        assertThat(answers.get(missing).get()).as("no row, no tokens").isEmpty();

        String[] workerAnswer = new String[1];
        Optional<TokenStore.Versioned> fromTestThread = reads.load(rows.get(0).id())
                .invoke(ignored -> workerAnswer[0] = Thread.currentThread().getName())
                .await().atMost(Duration.ofSeconds(30));
        assertThat(fromTestThread).isPresent();
        assertThat(workerAnswer[0]).as("a caller off the event loops is answered on a worker").startsWith("executor-thread-");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the burst was never queued");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private byte[] sealedTokens(UUID id) {
        return (byte[]) seeder.scalar("SELECT sealed_tokens FROM integration_token WHERE integration_id = :id", Map.of("id", id));
    }

    private long version(UUID id) {
        return seeder.count("SELECT version FROM integration_token WHERE integration_id = :id", Map.of("id", id));
    }

}
