package dev.oauthrefresher.token;

import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.AccessTokenSeal;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.KeyVaultProfile;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.InjectVaults;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.Vaults;
import dev.oauthrefresher.tokenstore.AccessToken;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The access token beside the row, against the Key Vault fakes with {@code refresher.token-store.write-access-tokens=false}
 * ({@link KeyVaultProfile}): what each refresh costs the vault, what the row holds, and when the token API reads the vault
 * instead.
 */
@QuarkusTest
@TestProfile(KeyVaultProfile.class)
class AccessTokenBesideTheRowTest {

    static final String ADMIN = "Bearer test-admin-token";

    @InjectVaults
    Vaults vaults;

    @Inject
    Seeder seeder;

    @Inject
    KeyRing ring;

    @Inject
    AccessTokenSeal seal;

    @Inject
    IntegrationRepository integrations;

    @Inject
    TokenStore tokenStore;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();
    final FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();

    @BeforeEach
    void resetFakes() {
        vaults.reset();
    }

    @Test
    void shouldRefreshAKeptRefreshTokenWithOneVaultReadAndNoWriteAndServeTheTokenFromTheRowWithNoVaultRead() throws Exception {
        String tenant = seeder.tenant("beside");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(10, ChronoUnit.MINUTES)).get(0);
        String documentBefore = vaults.defaultVault().latest(Integration.secretNameFor(row.id())).orElseThrow().version();
        vaults.reset();

        refresh(tenant, row.id());

        assertThat(requests()).as("the vault's transactions for an unchanged refresh token")
                .extracting(KeyVaultFake.Request::method).containsExactly("GET");
        assertThat(vaults.defaultVault().latest(Integration.secretNameFor(row.id())).orElseThrow().version())
                .as("the document was not written again").isEqualTo(documentBefore);
        AccessToken sealed = opened(row.id());
        String issued = sealed.accessToken().reveal();
        assertThat(issued).startsWith("at-").isNotEqualTo("at-initial-" + row.grant());
        assertThat(sealed.expiresAt()).isCloseTo(seeder.instant(row.id(), "access_token_expires_at"), within());
        assertThat(new String((byte[]) seeder.column(row.id(), "access_token_sealed"), StandardCharsets.ISO_8859_1))
                .as("sealed, not in clear").doesNotContain(issued);
        vaults.reset();

        accessToken(key, row.id()).then().statusCode(200)
                .body("accessToken", equalTo(issued)).body("refreshed", equalTo(false));

        assertThat(requests()).as("vault requests to serve the token").isEmpty();
    }

    @Test
    void shouldWriteARotatedRefreshTokenToTheVaultBeforeTheRowChangesAndSealTheNewAccessTokenBesideIt() throws Exception {
        String tenant = seeder.tenant("rotated");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1,
                Instant.now().plus(10, ChronoUnit.MINUTES)).get(0);
        Instant expiryBefore = seeder.instant(row.id(), "access_token_expires_at");
        KeyVaultFake vault = vaults.defaultVault();
        vault.reset();
        vault.holdWrites();
        CompletableFuture<Void> refreshed;
        try {
            refreshed = CompletableFuture.runAsync(() -> refresh(tenant, row.id()));
            Poll.until("the rotated token's write waiting in the vault", Duration.ofSeconds(10),
                    () -> vault.requests().stream().anyMatch(r -> r.method().equals("PUT")));
            assertThat(seeder.column(row.id(), "access_token_sealed")).as("nothing beside the row yet").isNull();
            assertThat(seeder.instant(row.id(), "access_token_expires_at")).as("the row unchanged").isEqualTo(expiryBefore);
        } finally {
            vault.releaseWrites();
        }
        refreshed.get(30, TimeUnit.SECONDS);

        assertThat(vault.requests()).as("the vault's transactions for a rotation")
                .extracting(KeyVaultFake.Request::method).containsExactly("GET", "PUT");
        JsonNode document = new ObjectMapper().readTree(vault.latest(Integration.secretNameFor(row.id())).orElseThrow().value());
        assertThat(document.get("refresh_token").asText()).isEqualTo(rotating.latestRefreshToken(row.grant()));
        assertThat(document.get("schema").asInt()).as("access token as of the write").isEqualTo(2);
        String issued = opened(row.id()).accessToken().reveal();
        assertThat(document.get("access_token").asText()).isEqualTo(issued);
        vaults.reset();

        accessToken(key, row.id()).then().statusCode(200).body("accessToken", equalTo(issued));
        assertThat(requests()).as("vault requests to serve the token").isEmpty();
    }

    @Test
    void shouldSealTheAccessTokenOfARegistrationAndOfAReconnectBesideTheRow() {
        String tenant = seeder.tenant("lifecycle");
        String key = TenantKeys.issue(tenant);
        String id = given().header("Authorization", bearer(key)).contentType(ContentType.JSON)
                .body(tokens("at-registered", "rt-registered")
                        .put("provider", "google").put("providerGroup", "fake-google").put("externalAccount", "row@example.com")
                        .encode())
                .post("/v1/integrations").then().statusCode(201).extract().path("id");
        vaults.reset();

        accessToken(key, UUID.fromString(id)).then().statusCode(200).body("accessToken", equalTo("at-registered"));
        assertThat(requests()).as("vault requests to serve a registered token").isEmpty();

        given().header("Authorization", bearer(key)).contentType(ContentType.JSON)
                .body(tokens("at-reconnected", "rt-reconnected").encode()).put("/v1/integrations/{id}/tokens", id)
                .then().statusCode(200);
        vaults.reset();

        accessToken(key, UUID.fromString(id)).then().statusCode(200).body("accessToken", equalTo("at-reconnected"));
        assertThat(requests()).as("vault requests to serve a reconnected token").isEmpty();

        given().header("Authorization", bearer(key)).delete("/v1/integrations/{id}", id).then().statusCode(204);
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE id = :id", Map.of("id", UUID.fromString(id))))
                .as("the sealed token went with the row").isZero();
        assertThat(seeder.count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'disconnected_integration' "
                + "AND data_type = 'bytea'", Map.of())).as("the tombstone keeps no sealed value").isZero();
    }

    @Test
    void shouldHandAnOnDemandCallerTheTokenItJustRecordedWithOneVaultReadAndNoWrite() {
        String tenant = seeder.tenant("ondemand");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(2, ChronoUnit.MINUTES)).get(0);
        vaults.reset();

        String issued = given().header("Authorization", bearer(key)).contentType(ContentType.JSON)
                .body("{\"minValidSeconds\": 300}").post("/v1/integrations/{id}/access-token", row.id())
                .then().statusCode(200).body("refreshed", equalTo(true)).extract().path("accessToken");

        assertThat(requests()).extracting(KeyVaultFake.Request::method).as("the refresh's read, no write, no read-back")
                .containsExactly("GET");
        assertThat(opened(row.id()).accessToken().reveal()).isEqualTo(issued);
    }

    @Test
    void shouldNotServeASealedTokenThatAPreviousReleasePodOutdatedAndReadTheVaultInstead() {
        String tenant = seeder.tenant("stale");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(10, ChronoUnit.MINUTES)).get(0);
        refresh(tenant, row.id());
        String sealedToken = opened(row.id()).accessToken().reveal();
        // what a pod of the previous release does when it refreshes: the whole document to the vault, then the row's
        // expiry and refresh time, and never the column it does not know
        Instant expiry = Instant.now().plus(50, ChronoUnit.MINUTES);
        tokenStore.save(new SecretRef(SecretRef.DEFAULT_VAULT, Integration.secretNameFor(row.id())),
                new TokenSet(Secret.of("at-previous-release"), Secret.of(google.latestRefreshToken(row.grant())), expiry,
                        Optional.empty(), "Bearer")).await().atMost(Duration.ofSeconds(30));
        seeder.sql("UPDATE integration SET access_token_expires_at = :expiry, last_refreshed_at = now(), "
                + "version = version + 1 WHERE id = :id", Map.of("id", row.id(), "expiry", expiry));
        vaults.reset();

        accessToken(key, row.id()).then().statusCode(200)
                .body("accessToken", equalTo("at-previous-release")).body("refreshed", equalTo(false));

        assertThat(sealedToken).isNotEqualTo("at-previous-release");
        assertThat(requests()).extracting(KeyVaultFake.Request::method).as("one vault read instead").containsExactly("GET");
    }

    @Test
    void shouldServeAnAccessTokenSealedAsAJsonDocumentByThisReleasesFirstBuildsWithNoVaultRead() {
        String tenant = seeder.tenant("jsonlayout");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(10, ChronoUnit.MINUTES)).get(0);
        refresh(tenant, row.id());
        byte[] compact = (byte[]) seeder.column(row.id(), "access_token_sealed");
        AccessToken sealed = opened(row.id());
        String issued = sealed.accessToken().reveal();
        // what the builds before the compact layout wrote for the same token and row state: a JSON document, sealed the
        // same way; the vault still holds the registration's token (this profile writes no kept refresh token's)
        String document = new io.vertx.core.json.JsonObject()
                .put("access_token", issued).put("token_type", "Bearer")
                .put("expires_at", seeder.instant(row.id(), "access_token_expires_at").toString())
                .put("refreshed_at", seeder.instant(row.id(), "last_refreshed_at").toString())
                .put("scope", sealed.scope().orElseThrow()).encode();
        byte[] json = ring.sealBytes(row.id(), document.getBytes(StandardCharsets.UTF_8)).value();
        seeder.sql("UPDATE integration SET access_token_sealed = :sealed WHERE id = :id", Map.of("id", row.id(), "sealed", json));
        vaults.reset();

        accessToken(key, row.id()).then().statusCode(200)
                .body("accessToken", equalTo(issued)).body("refreshed", equalTo(false));

        assertThat(requests()).as("vault requests to serve the token").isEmpty();
        assertThat(compact.length).as("the compact layout, %d bytes against %d", compact.length, json.length)
                .isLessThanOrEqualTo(json.length - 80);
    }

    @Test
    void shouldFallBackToTheVaultWithoutCrashingOrLoggingASecretWhenTheSealedTokenWasAltered() {
        String tenant = seeder.tenant("tampered");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plus(10, ChronoUnit.MINUTES)).get(0);
        refresh(tenant, row.id());
        String sealedToken = opened(row.id()).accessToken().reveal();
        seeder.sql("UPDATE integration SET access_token_sealed = set_byte(access_token_sealed, 20, "
                + "get_byte(access_token_sealed, 20) # 1), version = version + 1 WHERE id = :id", Map.of("id", row.id()));
        vaults.reset();

        try (LogCapture logs = LogCapture.install()) {
            // the vault's document still holds the registration's token, valid for ten minutes
            accessToken(key, row.id()).then().statusCode(200)
                    .body("accessToken", equalTo("at-initial-" + row.grant()));

            assertThat(logs.text()).contains(row.id().toString(), "is not used");
            logs.assertContainsNone(List.of(sealedToken, "at-initial-" + row.grant(), google.latestRefreshToken(row.grant())));
        }
        assertThat(requests()).extracting(KeyVaultFake.Request::method).as("one vault read instead").containsExactly("GET");
    }

    private void refresh(String tenant, UUID id) {
        given().header("Authorization", ADMIN).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, id)
                .then().statusCode(200).body("outcome", equalTo("refreshed"));
    }

    private static Response accessToken(String key, UUID id) {
        return given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body("{\"minValidSeconds\": 60}")
                .post("/v1/integrations/{id}/access-token", id);
    }

    /** The row's sealed access token, opened as the token API opens it (so it must match the row, too). */
    private AccessToken opened(UUID id) {
        assertThat(seeder.column(id, "access_token_sealed")).as("a sealed access token beside the row").isNotNull();
        return QuarkusTransaction.requiringNew().call(() -> seal.open(integrations.findById(id)))
                .orElseThrow(() -> new AssertionError("the sealed access token does not open or does not match the row"));
    }

    private static io.vertx.core.json.JsonObject tokens(String accessToken, String refreshToken) {
        return new io.vertx.core.json.JsonObject().put("accessToken", accessToken).put("refreshToken", refreshToken)
                .put("accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString());
    }

    private static org.assertj.core.data.TemporalUnitOffset within() {
        return org.assertj.core.api.Assertions.within(1, ChronoUnit.MICROS);
    }

    /** What either vault received since the last reset. */
    private List<KeyVaultFake.Request> requests() {
        return vaults.all().stream().flatMap(vault -> vault.requests().stream()).toList();
    }
}
