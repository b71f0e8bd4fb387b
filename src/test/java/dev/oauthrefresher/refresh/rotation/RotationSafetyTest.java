package dev.oauthrefresher.refresh.rotation;

import dev.oauthrefresher.testsupport.FlakyTokenStore;
import dev.oauthrefresher.testsupport.FlakyTokenStoreProfile;
import dev.oauthrefresher.refresh.run.RefreshService;
import dev.oauthrefresher.refresh.run.RefreshTask;
import dev.oauthrefresher.testsupport.TestSecrets;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.cron.RunRequest;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import dev.oauthrefresher.cron.TriggerKind;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Strict single-use rotation with a token store that refuses writes on a schedule: a provider that accepts
 * only the latest refresh token punishes any lost write with {@code invalid_grant}, so if a rotated token were
 * ever dropped, an integration would end up expired. The schedule makes every integration go through both
 * paths: a refused write that its retry repairs, and a write refused twice (the run's attempts are two) that
 * only the pending-rotation retry can repair.
 */
@QuarkusTest
@TestProfile(FlakyTokenStoreProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
@WithTestResource(FakeTokenEndpointResource.class)
class RotationSafetyTest {

    static final int INTEGRATIONS = 60;
    static final int ROUNDS = 12;

    @Inject
    RefreshService service;

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @Inject
    PendingRotations pending;

    /** Pending rotations sit in PostgreSQL sealed: the rotated refresh token never appears there in clear. */
    private void assertSealed(List<Seeded> rows, FakeTokenEndpoint provider) {
        for (Seeded row : rows) {
            Object sealed = seeder.scalar(
                    "SELECT (SELECT sealed_tokens FROM pending_rotation WHERE integration_id = :id)", Map.of("id", row.id()));
            if (sealed != null) {
                String latest = provider.latestRefreshToken(row.grant());
                assertThat(new String((byte[]) sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(latest);
            }
        }
        // one statement, one snapshot: the retry job may settle a row between two separate reads
        assertThat(seeder.count("SELECT count(*) FROM pending_rotation p JOIN integration i ON i.id = p.integration_id "
                + "WHERE i.lease_owner IS NULL", Map.of())).as("rows with a pending rotation that nobody holds").isZero();
    }

    @Test
    void shouldNeverLoseARotatedRefreshTokenWhenTokenStoreWritesFail() throws InterruptedException {
        FakeTokenEndpoint provider = FakeTokenEndpointResource.rotating();
        String tenant = seeder.tenant("rotation");
        List<Seeded> rows = seeder.integrations(tenant, "oauth2", "fake-rotating", provider, INTEGRATIONS,
                Instant.now().plus(5, ChronoUnit.MINUTES));
        // Per integration, in every twelve writes: the 2nd and 3rd fail (a write and its retry: pending rotation),
        // and the 8th fails once (its retry succeeds in the run).
        FlakyTokenStore.failOn(new FlakyTokenStore.Schedule(12, Set.of(1, 2, 7)));
        int refreshed = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                // Make every row due again; rows still held by a pending rotation stay leased and are skipped.
                seeder.sql("UPDATE integration SET access_token_expires_at = now() + interval '1 minute', next_attempt_at = NULL "
                        + "WHERE tenant_id = :t", Map.of("t", tenant));
                TaskResult result = service.run(new TaskRun(UUID.randomUUID(), TriggerKind.MANUAL,
                        new RunRequest(tenant, null, null, null, false), Instant.now().plusSeconds(60)), RefreshTask.NAME)
                        .await().atMost(Duration.ofMinutes(1));
                refreshed += result.refreshed();
                assertThat(result.expired()).as("expired in round %d", round).isZero();
                assertSealed(rows, provider);
                // the next round starts once this one's pending rotations have reached the store (the retry job,
                // every second), so how many rows a round finds free does not depend on how fast the machine is
                Poll.until("round " + round + "'s pending rotations settled", Duration.ofSeconds(30), () -> pending.size() == 0);
            }
        } finally {
            FlakyTokenStore.failOn(FlakyTokenStore.Schedule.NEVER);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (pending.size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }

        assertThat(FlakyTokenStore.FAILED_WRITES.get()).as("injected failures").isGreaterThan(INTEGRATIONS);
        // the store's refusals are not retried on top of the store (one retry layer): a refused row waits for its
        // pending rotation, so each round refreshes about the rows whose last write went through
        assertThat(refreshed).isGreaterThan(INTEGRATIONS * ROUNDS / 4);
        assertThat(pending.size()).isZero();
        assertThat(seeder.count("SELECT count(*) FROM pending_rotation", Map.of())).as("pending rotations left").isZero();
        assertThat(seeder.count("SELECT count(*) FROM integration WHERE tenant_id = :t AND status <> 'active'",
                Map.of("t", tenant))).isZero();
        for (Seeded row : rows) {
            String stored = tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow()
                    .tokens().refreshToken().reveal();
            assertThat(stored).as("stored refresh token of %s", row.grant()).isEqualTo(provider.latestRefreshToken(row.grant()));
        }
    }
}
