package dev.oauthrefresher.tokenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakeAzureCredential;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.KeyVaultFake.Request;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.tokenstore.KeyVaultTokenStore.CallPolicy;
import dev.oauthrefresher.tokenstore.TokenStore.Versioned;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The real Azure SDK, through {@link KeyVaultTokenStore}, against the HTTPS {@link KeyVaultFake}. */
class KeyVaultTokenStoreTest {

    static final CallPolicy POLICY = new CallPolicy(4, Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofSeconds(5),
            Duration.ofMillis(250));
    static final Instant EXPIRES_AT = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    static KeyVaultFake fake;
    static Vertx vertx;

    /** Every pause the store asked for: rate-limit waits, Retry-After and backoff. */
    final List<Duration> waits = new CopyOnWriteArrayList<>();
    KeyVaultTokenStore store;

    /** What Vert.x caught from a handler or listener that threw: the SDK's transport once threw here on every timeout. */
    static final List<Throwable> uncaught = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startFake() {
        fake = KeyVaultFake.start();
        vertx = Vertx.vertx();
        vertx.exceptionHandler(uncaught::add);
    }

    @AfterAll
    static void stopFake() {
        fake.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void newStore() {
        fake.reset();
        store = store(POLICY, limiter(200, System::nanoTime));
    }

    /** A vault's budget as {@link VaultBudget} builds it: half for on-demand calls, bounds of 1 s and 200 ms. */
    static VaultLimiter limiter(int perSecond, LongSupplier clock) {
        return new VaultLimiter(SecretRef.DEFAULT_VAULT, perSecond, 0.5, Duration.ofSeconds(1), Duration.ofMillis(200), clock);
    }

    KeyVaultTokenStore store(CallPolicy policy, VaultLimiter limiter) {
        return store(policy, limiter, KeyVaultTokenStore.documentSchema(true));
    }

    KeyVaultTokenStore store(CallPolicy policy, VaultLimiter limiter, int documentSchema) {
        PemTrustOptions trust = new PemTrustOptions().addCertPath(fake.certificatePem().toString());
        KeyVaultTokenStore.Vault vault = new KeyVaultTokenStore.Vault(SecretRef.DEFAULT_VAULT,
                KeyVaultClients.secretClient(URI.create(fake.vaultUrl()), new FakeAzureCredential(), vertx,
                        policy.requestTimeout(), Duration.ofSeconds(5), 4, Optional.of(trust), true), limiter);
        return new KeyVaultTokenStore(Map.of(vault.name(), vault), vault.name(),
                policy, duration -> {
                    waits.add(duration);
                    return KeyVaultTokenStore.Delay.TIMER.by(duration);
                }, documentSchema);
    }

    /** The vault the store under test knows, which the single {@code url} configures. */
    static SecretRef ref(String secretName) {
        return new SecretRef(SecretRef.DEFAULT_VAULT, secretName);
    }

    static String newSecretName() {
        return Integration.secretNameFor(UUID.randomUUID());
    }

    static TokenSet tokens(String accessToken, String refreshToken) {
        return new TokenSet(Secret.of(accessToken), Secret.of(refreshToken), EXPIRES_AT, Optional.of("mail.read offline"), "Bearer");
    }

    static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(30));
    }

    static TokenStoreException failure(Uni<?> uni) {
        return catchThrowableOfType(TokenStoreException.class, () -> await(uni));
    }

    static String withCauses(Throwable failure) {
        StringWriter out = new StringWriter();
        failure.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void shouldStoreTokensAsOneJsonSecretAndLoadThemBack() throws Exception {
        String name = newSecretName();

        String version = await(store.save(ref(name), tokens("at-secret-1", "rt-secret-1")));
        Versioned loaded = await(store.load(ref(name))).orElseThrow();

        assertThat(loaded.version()).isEqualTo(version).isNotBlank();
        assertThat(loaded.tokens().accessToken().reveal()).isEqualTo("at-secret-1");
        assertThat(loaded.tokens().refreshToken().reveal()).isEqualTo("rt-secret-1");
        assertThat(loaded.tokens().expiresAt()).isEqualTo(EXPIRES_AT);
        assertThat(loaded.tokens().scope()).contains("mail.read offline");
        assertThat(loaded.tokens().tokenType()).isEqualTo("Bearer");

        KeyVaultFake.StoredSecret stored = fake.latest(name).orElseThrow();
        assertThat(stored.version()).isEqualTo(version);
        assertThat(stored.contentType()).isEqualTo("application/json");
        JsonNode document = new ObjectMapper().readTree(stored.value());
        assertThat(document.get("access_token").asText()).isEqualTo("at-secret-1");
        assertThat(document.get("refresh_token").asText()).isEqualTo("rt-secret-1");
        assertThat(Instant.parse(document.get("expires_at").asText())).isEqualTo(EXPIRES_AT);
        assertThat(stored.tags()).containsEntry("managed-by", "oauth-refresher").containsEntry("schema", "token-set-1")
                .containsEntry("integration-id", name.substring("integration-".length()));
        assertThat(stored.tags().toString()).doesNotContain("secret-1");
        assertThat(loaded.toString()).doesNotContain("at-secret-1").doesNotContain("rt-secret-1");
    }

    @Test
    void shouldWriteSchemaTwoWithEveryFieldOfSchemaOneWhenAccessTokensAreNotWrittenAtEveryRefresh() throws Exception {
        assertThat(KeyVaultTokenStore.documentSchema(true)).as("write-access-tokens=true").isEqualTo(1);
        assertThat(KeyVaultTokenStore.documentSchema(false)).as("write-access-tokens=false").isEqualTo(2);
        String name = newSecretName();
        KeyVaultTokenStore accessTokensBesideTheRow = store(POLICY, limiter(200, System::nanoTime), KeyVaultTokenStore.documentSchema(false));

        await(accessTokensBesideTheRow.save(ref(name), tokens("at-secret-2", "rt-secret-2")));

        JsonNode document = new ObjectMapper().readTree(fake.latest(name).orElseThrow().value());
        assertThat(document.get("schema").asInt()).isEqualTo(2);
        // what the previous release's reader needs of any version: these three, present (it ignores the number)
        assertThat(document.get("access_token").asText()).isEqualTo("at-secret-2");
        assertThat(document.get("refresh_token").asText()).isEqualTo("rt-secret-2");
        assertThat(Instant.parse(document.get("expires_at").asText())).isEqualTo(EXPIRES_AT);
        assertThat(fake.latest(name).orElseThrow().tags()).as("the family the sweep lists is unchanged")
                .containsEntry("schema", "token-set-1");
        TokenSet read = await(store.load(ref(name))).orElseThrow().tokens();
        assertThat(read.refreshToken().reveal()).isEqualTo("rt-secret-2");
        assertThat(read.accessToken().reveal()).isEqualTo("at-secret-2");
    }

    @Test
    void shouldListOnlyTheTokenSecretsItNamedAndTaggedPageByPage() {
        List<String> saved = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            saved.add(newSecretName());
            await(store.save(ref(saved.get(i)), tokens("at-" + i, "rt-" + i)));
        }
        String untagged = newSecretName();
        fake.seed(untagged, "{}", "application/json");
        String otherName = "other-app-secret-" + UUID.randomUUID();
        fake.seed(otherName, "{}", Map.of("managed-by", "oauth-refresher", "schema", "token-set-1"), Instant.now());
        String webhook = "webhook-endpoint-" + UUID.randomUUID();
        await(store.saveWebhookSecret(webhook, new WebhookSecret(Secret.of("whsec_x"), Optional.empty(), Optional.empty())));
        fake.reset();

        List<SecretPage.Listed> listed = new java.util.ArrayList<>();
        Optional<String> next = Optional.empty();
        int pages = 0;
        do {
            SecretPage page = await(store.listTokenSecrets(SecretRef.DEFAULT_VAULT, next));
            listed.addAll(page.secrets());
            next = page.next();
            pages++;
        } while (next.isPresent());

        assertThat(listed).extracting(SecretPage.Listed::name).containsAll(saved)
                .doesNotContain(untagged, otherName, webhook).doesNotHaveDuplicates();
        assertThat(listed).filteredOn(l -> saved.contains(l.name())).extracting(SecretPage.Listed::updated)
                .allSatisfy(updated -> assertThat(updated).isBetween(Instant.now().minusSeconds(120), Instant.now().plusSeconds(1)));
        assertThat(pages).as("pages of 25, following nextLink").isGreaterThanOrEqualTo(2);
        assertThat(fake.requests()).extracting(Request::method).as("one request per page").hasSize(pages).containsOnly("LIST");
    }

    @Test
    void shouldSayAFailedWriteMayHaveBeenAppliedOnlyWhenNoAnswerOrAGatewaysCameBack() {
        fake.failNext(4, 503, Map.of());
        assertThat(failure(store.save(ref(newSecretName()), tokens("at", "rt"))).mayHaveApplied())
                .as("the vault throttled every attempt").isFalse();
        fake.failNext(1, 403, Map.of());
        assertThat(failure(store.save(ref(newSecretName()), tokens("at", "rt"))).mayHaveApplied())
                .as("the vault refused").isFalse();
        String stored = newSecretName();
        fake.storeThenFail(4, 500);
        assertThat(failure(store.save(ref(stored), tokens("at", "rt"))).mayHaveApplied())
                .as("a 500 after the vault stored the write").isTrue();
        assertThat(fake.liveSecretNames()).contains(stored);
        // the first attempt outlives the request timeout (5 s), the three retries are throttled
        fake.hangNext(1, POLICY.requestTimeout().plusSeconds(1));
        fake.failNext(3, 503, Map.of());
        assertThat(failure(store.save(ref(newSecretName()), tokens("at", "rt"))).mayHaveApplied())
                .as("throttled after an attempt that went unanswered").isTrue();
    }

    @Test
    void shouldKeepAWebhookSecretAndItsRotationOverlapInItsOwnDocument() throws Exception {
        String name = "webhook-endpoint-" + UUID.randomUUID();
        Instant overlapEnd = EXPIRES_AT;
        WebhookSecret rotated = WebhookSecret.of(Secret.of("whsec_b2xk")).rotatedTo(Secret.of("whsec_bmV3"), overlapEnd);

        await(store.saveWebhookSecret(name, rotated));
        WebhookSecret loaded = await(store.loadWebhookSecret(name)).orElseThrow();

        assertThat(loaded.current().reveal()).isEqualTo("whsec_bmV3");
        assertThat(loaded.previous()).map(Secret::reveal).contains("whsec_b2xk");
        assertThat(loaded.previousValidUntil()).contains(overlapEnd);
        KeyVaultFake.StoredSecret stored = fake.latest(name).orElseThrow();
        JsonNode document = new ObjectMapper().readTree(stored.value());
        assertThat(document.get("schema").asText()).isEqualTo("webhook-secret-1");
        assertThat(stored.tags()).containsEntry("schema", "webhook-secret-1");
        assertThat(await(store.loadWebhookSecret("webhook-endpoint-" + UUID.randomUUID()))).isEmpty();

        await(store.deleteWebhookSecret(name));
        assertThat(fake.holds(name)).isFalse();
        assertThat(await(store.loadWebhookSecret(name))).isEmpty();
        await(store.deleteWebhookSecret(name));
    }

    @Test
    void shouldRefuseToMixTokenAndWebhookSecretNames() {
        assertThat(failure(store.saveWebhookSecret(newSecretName(), WebhookSecret.of(Secret.of("whsec_eA==")))).getMessage())
                .contains("webhook-endpoint-");
        assertThat(failure(store.load(ref("webhook-endpoint-" + UUID.randomUUID()))).getMessage()).contains("integration-");
    }

    @Test
    void shouldLoadTheNewestVersionAfterARotation() {
        String name = newSecretName();
        String first = await(store.save(ref(name), tokens("at-1", "rt-1")));
        String second = await(store.save(ref(name), tokens("at-2", "rt-2")));

        Versioned loaded = await(store.load(ref(name))).orElseThrow();

        assertThat(second).isNotEqualTo(first);
        assertThat(loaded.version()).isEqualTo(second);
        assertThat(loaded.tokens().refreshToken().reveal()).isEqualTo("rt-2");
    }

    @Test
    void shouldLoadNothingForASecretThatDoesNotExist() {
        String name = newSecretName();

        assertThat(await(store.load(ref(name)))).isEmpty();
        assertThat(fake.requests()).containsExactly(new Request("GET", name, Optional.empty()));
    }

    @Test
    void shouldTreatASoftDeletedSecretAsMissingAndRefuseToReuseItsName() {
        String name = newSecretName();
        await(store.save(ref(name), tokens("at", "rt")));
        fake.softDelete(name);

        assertThat(await(store.load(ref(name)))).isEmpty();
        TokenStoreException refused = failure(store.save(ref(name), tokens("at", "rt")));
        assertThat(refused.isTransient()).isFalse();
        assertThat(refused.getMessage()).contains("HTTP 409", name, "recovery or purge");
    }

    @Test
    void shouldRecoverASoftDeletedNameOnlyForAMoveThenWriteTheNewTokensOverIt() {
        String name = newSecretName();
        await(store.save(ref(name), tokens("at-old", "rt-old")));
        fake.softDelete(name);
        fake.reset();

        String version = await(store.saveRecovering(ref(name), tokens("at-moved", "rt-moved"), new WriteLease("mover", () -> Instant.MAX)));

        assertThat(fake.isSoftDeleted(name)).isFalse();
        assertThat(fake.latest(name).orElseThrow().version()).isEqualTo(version);
        assertThat(fake.latest(name).orElseThrow().value()).contains("rt-moved").doesNotContain("rt-old");
        assertThat(fake.requests()).extracting(Request::method).containsSubsequence("PUT", "POST deleted", "PUT");
        assertThat(await(store.load(ref(name)))).hasValueSatisfying(
                loaded -> assertThat(loaded.tokens().refreshToken().reveal()).isEqualTo("rt-moved"));
    }

    @Test
    void shouldSendNoWriteOrDeleteOnceTheLeaseThatAllowsItHasEnded() {
        String name = newSecretName();
        await(store.save(ref(name), tokens("at", "rt")));
        fake.reset();
        // a holder back from a pause: its lease, as the database last confirmed it, ended a second ago
        WriteLease lapsed = new WriteLease("paused-holder", () -> Instant.now().minusSeconds(1));

        TokenStoreException notSaved = failure(store.save(ref(name), tokens("at-stale", "rt-stale"), lapsed));
        TokenStoreException notDeleted = failure(store.delete(ref(name), lapsed));

        assertThat(notSaved).isInstanceOf(NotSentException.class).hasMessageContaining("lease");
        assertThat(notSaved.isTransient()).isFalse();
        assertThat(notDeleted).isInstanceOf(NotSentException.class);
        assertThat(fake.requests()).as("nothing sent").isEmpty();
        assertThat(fake.latest(name).orElseThrow().value()).contains("rt").doesNotContain("rt-stale");
        // a lease whose end is more than a request timeout away writes as usual
        WriteLease held = new WriteLease("holder", () -> Instant.now().plus(Duration.ofMinutes(5)));
        await(store.save(ref(name), tokens("at-new", "rt-new"), held));
        assertThat(fake.latest(name).orElseThrow().value()).contains("rt-new");
    }

    @Test
    void shouldFailWithoutRetryingWhenTheSecretIsDisabled() {
        String name = newSecretName();
        await(store.save(ref(name), tokens("at", "rt")));
        fake.disable(name);
        fake.reset();

        TokenStoreException failure = failure(store.load(ref(name)));

        assertThat(failure.isTransient()).isFalse();
        assertThat(failure.getMessage()).contains("HTTP 403", name, "disabled");
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void shouldWaitOutRetryAfterWhenThrottledAndThenSucceed() {
        String name = newSecretName();
        fake.failNext(1, 429, Map.of("Retry-After", "1"));

        String version = await(store.save(ref(name), tokens("at", "rt")));

        assertThat(fake.latest(name).orElseThrow().version()).isEqualTo(version);
        assertThat(fake.requests()).extracting(Request::method).containsExactly("PUT", "PUT");
        assertThat(waits).containsExactly(Duration.ofSeconds(1));
    }

    @Test
    void shouldHonourAzureRetryAfterMillisecondsOnServiceUnavailable() {
        String name = newSecretName();
        await(store.save(ref(name), tokens("at", "rt")));
        fake.reset();
        fake.failNext(1, 503, Map.of("x-ms-retry-after-ms", "120"));

        assertThat(await(store.load(ref(name)))).isPresent();
        assertThat(waits).containsExactly(Duration.ofMillis(120));
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void shouldRetryServerErrorsWithGrowingBackoffThenSucceed() {
        String name = newSecretName();
        fake.failNext(2, 500, Map.of());

        await(store.save(ref(name), tokens("at", "rt")));

        assertThat(fake.requests()).hasSize(3);
        assertThat(waits).hasSize(2);
        assertThat(waits.get(0)).isBetween(Duration.ofMillis(5), Duration.ofMillis(15));
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(10), Duration.ofMillis(30));
    }

    @Test
    void shouldGiveUpAsTransientAfterMaxAttemptsOfServerErrors() {
        String name = newSecretName();
        fake.failNext(10, 500, Map.of());

        TokenStoreException failure = failure(store.save(ref(name), tokens("at-secret-x", "rt-secret-x")));

        assertThat(failure.isTransient()).isTrue();
        assertThat(failure.getMessage()).contains("HTTP 500", "save of secret '" + name + "'", "attempt 4 of 4");
        // exactly our attempts: the SDK's own retry policy is off
        assertThat(fake.requests()).hasSize(4);
        assertThat(withCauses(failure)).doesNotContain("secret-x");
    }

    @Test
    void shouldFailAtOnceWhenTheVaultForbidsTheOperation() {
        fake.failNext(1, 403, Map.of());

        TokenStoreException failure = failure(store.save(ref(newSecretName()), tokens("at", "rt")));

        assertThat(failure.isTransient()).isFalse();
        assertThat(failure.getMessage()).contains("HTTP 403", "lacks permission");
        assertThat(fake.requests()).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void shouldHandARetryAfterLongerThanItWillWaitBackToTheCaller() {
        fake.failNext(1, 429, Map.of("Retry-After", "120"));

        TokenStoreException failure = failure(store.save(ref(newSecretName()), tokens("at", "rt")));

        assertThat(failure.isTransient()).isTrue();
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(120));
        assertThat(fake.requests()).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void shouldAbandonAnUnansweredRequestAfterTheTimeoutAndRetryIt() {
        KeyVaultTokenStore impatient = store(new CallPolicy(2, Duration.ofMillis(300), Duration.ofMillis(10), Duration.ofSeconds(5),
                Duration.ofMillis(250)),
                limiter(200, System::nanoTime));
        String name = newSecretName();
        uncaught.clear();
        fake.hangNext(1, Duration.ofSeconds(2));

        assertThat(await(impatient.load(ref(name)))).isEmpty();
        assertThat(fake.requests()).hasSize(2);
        // the abandoned request's connection was reset at its 300 ms timeout, long before the vault's 2 s were over
        Poll.until("the vault's hang to end", Duration.ofSeconds(10), () -> fake.hangOver(name));
        assertThat(uncaught).as("exceptions thrown into Vert.x by the abandoned call (logged as uncaught ERRORs)").isEmpty();
    }

    @Test
    void shouldDelayRequestsBeyondTheRateLimitInsteadOfSendingThem() {
        AtomicLong frozenClock = new AtomicLong();
        TokenStore limited = store(POLICY, limiter(2, frozenClock::get)).withPriority(VaultPriority.SCHEDULED);
        String name = newSecretName();

        await(limited.save(ref(name), tokens("at", "rt")));
        await(limited.load(ref(name)));
        await(limited.load(ref(name)));

        assertThat(fake.requests()).hasSize(3);
        assertThat(waits).containsExactly(Duration.ofMillis(500));
    }

    @Test
    void shouldRefuseAnOnDemandCallWhosePermitIsBeyondItsBoundWithoutSendingItWhileAScheduledOneWaits() {
        AtomicLong frozenClock = new AtomicLong();
        VaultLimiter limiter = limiter(10, frozenClock::get);
        KeyVaultTokenStore onDemand = store(POLICY, limiter);
        String name = newSecretName();
        // a run has taken the burst and queued 300 ms of permits: beyond the on-demand bound (200 ms), within the
        // scheduled one (1 s)
        for (int i = 0; i < 12; i++) {
            limiter.acquire(VaultPriority.SCHEDULED);
        }

        VaultBudgetExhaustedException refused = catchThrowableOfType(VaultBudgetExhaustedException.class,
                () -> await(onDemand.load(ref(name))));

        assertThat(refused.isTransient()).isTrue();
        assertThat(refused.priority()).isEqualTo(VaultPriority.ON_DEMAND);
        assertThat(refused.retryAfter()).contains(Duration.ofMillis(100));
        assertThat(fake.requests()).as("nothing sent, nothing retried").isEmpty();
        assertThat(waits).isEmpty();
        assertThat(limiter.refused(VaultPriority.ON_DEMAND)).isEqualTo(1);

        assertThat(await(onDemand.withPriority(VaultPriority.SCHEDULED).load(ref(name)))).isEmpty();
        assertThat(waits).containsExactly(Duration.ofMillis(300));
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void shouldCountEachAttemptsLongestPermitWaitInTheWorstCase() {
        // four attempts of a 5 s timeout, each after a permit wait of at most 1 s (the scheduled bound), 5 s between
        assertThat(store.worstCase()).isEqualTo(Duration.ofSeconds(4 * (5 + 1) + 3 * 5));
        assertThat(store.withPriority(VaultPriority.ON_DEMAND).worstCase()).isEqualTo(store.worstCase());
        assertThat(store.callerWait()).isGreaterThan(store.worstCase());
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "client-secret", "integration-not-a-uuid", "../keys/integration-x",
            "integration-6F1C1D2E-0B7A-4C55-9A4E-1D2C3B4A5F60", "integration-6f1c1d2e-0b7a-4c55-9a4e-1d2c3b4a5f60/versions"})
    void shouldRefuseNamesThatAreNotIntegrationSecretsWithoutCallingTheVault(String name) {
        TokenStoreException onSave = failure(store.save(ref(name), tokens("at", "rt")));
        TokenStoreException onLoad = failure(store.load(ref(name)));

        assertThat(onSave.isTransient()).isFalse();
        assertThat(onSave.getMessage()).contains("Refused secret name");
        assertThat(onLoad.getMessage()).contains("Refused secret name");
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void shouldRefuseASecretThatIsNotATokenDocumentWithoutQuotingIt() {
        String name = newSecretName();
        fake.seed(name, "{\"refresh_token\": \"rt-leak-me\", broken", "text/plain");

        TokenStoreException failure = failure(store.load(ref(name)));

        assertThat(failure.isTransient()).isFalse();
        assertThat(failure.getMessage()).contains(name, "does not hold a token document");
        assertThat(withCauses(failure)).doesNotContain("rt-leak-me");
    }

    @Test
    void shouldRefuseATokenDocumentWithoutARefreshToken() {
        String name = newSecretName();
        fake.seed(name, "{\"access_token\":\"at-leak-me\",\"expires_at\":\"2030-01-01T00:00:00Z\"}", "application/json");

        TokenStoreException failure = failure(store.load(ref(name)));

        assertThat(failure.getMessage()).contains("without access_token, refresh_token or expires_at");
        assertThat(withCauses(failure)).doesNotContain("at-leak-me");
    }

    @Test
    void shouldPingSuccessfullyWhenTheVaultLetsThisIdentityIn() {
        await(store.ping());

        assertThat(fake.requests()).containsExactly(new Request("GET", KeyVaultTokenStore.PROBE_SECRET, Optional.empty()));
    }

    @Test
    void shouldPingWithoutAPermitSoThatASpentBudgetNeverMakesAReplicaUnready() {
        AtomicLong frozenClock = new AtomicLong();
        VaultLimiter limiter = limiter(10, frozenClock::get);
        KeyVaultTokenStore spent = store(POLICY, limiter);
        while (true) {
            try {
                limiter.acquire(VaultPriority.SCHEDULED);
            } catch (VaultBudgetExhaustedException e) {
                break;
            }
        }

        await(spent.ping());

        assertThat(fake.requests()).containsExactly(new Request("GET", KeyVaultTokenStore.PROBE_SECRET, Optional.empty()));
        assertThat(waits).isEmpty();
    }

    @Test
    void shouldFailPingAtOnceWhenTheVaultRefusesThisIdentity() {
        fake.failNext(1, 401, Map.of());

        TokenStoreException failure = failure(store.ping());

        assertThat(failure.getMessage()).contains("HTTP 401", "did not accept this service's identity");
        assertThat(fake.requests()).hasSize(1);
    }
}
