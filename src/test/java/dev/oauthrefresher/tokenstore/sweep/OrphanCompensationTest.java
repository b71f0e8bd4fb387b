package dev.oauthrefresher.tokenstore.sweep;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationRegistryApiTest;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.KeyVaultProfile;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.InjectVaults;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.Vaults;
import dev.oauthrefresher.tokenstore.SecretRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A registration whose token-store write timed out leaves no secret behind once the vault applies that write late, and
 * the compensation never deletes a secret a row has. Key Vault fakes with the profile's 10 s request timeout and a
 * compensation 5 s after the failure ({@link KeyVaultProfile}).
 */
@QuarkusTest
@TestProfile(KeyVaultProfile.class)
class OrphanCompensationTest {

    /** Past the store's 10 s request timeout: the first attempt is given up on, and the vault stores it a second later. */
    private static final Duration FIRST_WRITE_HANGS = Duration.ofSeconds(11);

    @InjectVaults
    Vaults vaults;

    @Inject
    OrphanCompensation compensation;

    @Inject
    MeterRegistry registry;

    @BeforeEach
    @AfterEach
    void resetFakes() {
        vaults.reset();
    }

    @Test
    void shouldDeleteTheSecretOfARegistrationWhoseWriteTimedOutOnceTheVaultStoredItLate() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        // the registration's vault follows from the id it is given, so both vaults misbehave alike: the first write hangs
        // past the request timeout (and is stored afterwards), the three retries are refused
        for (KeyVaultFake vault : vaults.all()) {
            vault.hangNext(1, FIRST_WRITE_HANGS);
            vault.failNext(3, 503, Map.of());
        }
        double before = compensations("deleted");

        register(tenant, "late@example.com").then().statusCode(503).contentType("application/problem+json");

        KeyVaultFake vault = vaults.all().stream().filter(v -> v.requests().stream().anyMatch(r -> r.method().equals("PUT")))
                .findFirst().orElseThrow();
        String secret = vault.requests().stream().filter(r -> r.method().equals("PUT")).findFirst().orElseThrow().secretName();
        Poll.until("the timed-out write stored by the vault after the registration was answered", Duration.ofSeconds(10),
                () -> vault.liveSecretNames().contains(secret));
        assertThat(rows(tenant)).as("rows of the refused registration").isZero();

        Poll.until("the compensation's delete answered", Duration.ofSeconds(30), () -> compensations("deleted") > before);
        assertThat(vault.holds(secret)).as("the late secret, deleted and purged").isFalse();
        assertThat(compensations("deleted") - before).isEqualTo(1);
        assertThat(vault.requests()).filteredOn(r -> r.secretName().equals(secret)).extracting(KeyVaultFake.Request::method)
                .as("requests for the secret").containsSubsequence("PUT", "DELETE", "DELETE deleted");
    }

    @Test
    void shouldNeverDeleteASecretThatARowHas() {
        String tenant = IntegrationRegistryApiTest.newTenant();
        String id = register(tenant, "kept@example.com").then().statusCode(201).extract().path("id");
        String secret = Integration.secretNameFor(UUID.fromString(id));
        KeyVaultFake vault = vaults.all().stream().filter(v -> v.liveSecretNames().contains(secret)).findFirst().orElseThrow();
        String vaultName = vault == vaults.defaultVault() ? "default" : "shard-2";
        double before = compensations("in-use");

        // as if a reconnect of this row had abandoned its write: the name is the row's
        compensation.afterAbandonedWrite(new SecretRef(vaultName, secret));

        Poll.until("the compensation looked at the secret", Duration.ofSeconds(30), () -> compensations("in-use") > before);
        assertThat(vault.liveSecretNames()).contains(secret);
        assertThat(vault.requests()).filteredOn(r -> r.secretName().equals(secret)).extracting(KeyVaultFake.Request::method)
                .as("requests for the row's secret").doesNotContain("DELETE", "DELETE deleted");
    }

    private long rows(String tenant) {
        return given().header("Authorization", TenantKeys.ADMIN).get("/admin/tenants/{t}/integrations", tenant)
                .then().statusCode(200).extract().jsonPath().getLong("total");
    }

    private double compensations(String outcome) {
        return registry.find("refresher.orphans.compensations").tag("outcome", outcome).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private static Response register(String tenant, String account) {
        return given().header("Authorization", TenantKeys.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("provider", "google", "providerGroup", "google-default", "externalAccount", account,
                        "accessToken", "at-secret-value-1", "refreshToken", "rt-secret-value-1",
                        "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()))
                .post("/admin/tenants/{t}/integrations", tenant);
    }
}
