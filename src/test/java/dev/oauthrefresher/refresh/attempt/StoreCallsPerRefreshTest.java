package dev.oauthrefresher.refresh.attempt;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.FlakyTokenStore;
import dev.oauthrefresher.testsupport.FlakyTokenStoreProfile;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TestSecrets;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What one refresh asks of the token store with {@code refresher.token-store.write-access-tokens} at its default
 * ({@code true}): the whole document is written again whether or not the refresh token changed, as before the access
 * token lived beside the row. {@code AccessTokenBesideTheRowTest} counts the same against Key Vault with {@code false}.
 */
@QuarkusTest
@TestProfile(FlakyTokenStoreProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
@WithTestResource(FakeTokenEndpointResource.class)
class StoreCallsPerRefreshTest {

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @BeforeEach
    void noFaults() {
        FlakyTokenStore.failOn(FlakyTokenStore.Schedule.NEVER);
    }

    @Test
    void shouldReadAndWriteTheStoreOnceEachPerRefreshWhetherOrNotTheRefreshTokenChanged() {
        String tenant = seeder.tenant("costs");
        FakeTokenEndpoint google = FakeTokenEndpointResource.google();
        FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();
        Instant soon = Instant.now().plus(10, ChronoUnit.MINUTES);
        Seeded kept = seeder.integrations(tenant, "google", "fake-google", google, 1, soon).get(0);
        Seeded rotated = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1, soon).get(0);

        for (Seeded row : new Seeded[] {kept, rotated}) {
            String secret = Integration.secretNameFor(row.id());
            int loads = FlakyTokenStore.loads(secret);
            int saves = FlakyTokenStore.saves(secret);

            given().header("Authorization", "Bearer test-admin-token")
                    .post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                    .then().statusCode(200).body("outcome", equalTo("refreshed"));

            assertThat(FlakyTokenStore.loads(secret) - loads).as("%s: store reads", row.grant()).isEqualTo(1);
            assertThat(FlakyTokenStore.saves(secret) - saves).as("%s: store writes", row.grant()).isEqualTo(1);
            String stored = tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow()
                    .tokens().accessToken().reveal();
            assertThat(stored).as("the new access token in the store").isNotEqualTo("at-initial-" + row.grant());
            assertThat(seeder.column(row.id(), "access_token_sealed")).as("and beside the row").isNotNull();
        }
    }
}
