package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.tokenstore.AccessToken;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Outcomes written in batches still apply row by row: only where the row is active and still leased by the writer. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class OutcomeWriterTest {

    @Inject
    OutcomeWriter writer;

    @Inject
    IntegrationRepository integrations;

    @Inject
    Seeder seeder;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();

    @Test
    void shouldApplyEachRefreshOfABatchOnlyWhereTheLeaseIsStillTheWriters() {
        String tenant = seeder.tenant("writer");
        Instant oldExpiry = Instant.now().plus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 6, oldExpiry);
        String owner = "host/" + UUID.randomUUID();
        for (Seeded row : rows) {
            seeder.sql("UPDATE integration SET lease_owner = :owner, lease_expires_at = now() + interval '5 minutes' WHERE id = :id",
                    Map.of("owner", owner, "id", row.id()));
        }
        // another owner took the second and the fifth row meanwhile (a lapsed lease claimed by another replica)
        for (int taken : List.of(1, 4)) {
            seeder.sql("UPDATE integration SET lease_owner = 'host/other' WHERE id = :id", Map.of("id", rows.get(taken).id()));
        }
        Instant newExpiry = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
        Instant started = Instant.now().minusMillis(120);
        UUID runId = UUID.randomUUID();

        // all six at once, so most share a batch (the group commit takes whatever is waiting)
        List<OutcomeWriter.Written> written = Uni.join().all(rows.stream()
                .map(row -> writer.write(claimed(row.id()), owner, runId, new Outcome.Refreshed(newExpiry, false, List.of(),
                        new AccessToken(Secret.of("at-writer-test"), "Bearer", newExpiry, Optional.empty())),
                        started, started.plusMillis(100)))
                .toList()).andFailFast().await().atMost(Duration.ofSeconds(30));

        for (int i = 0; i < rows.size(); i++) {
            UUID id = rows.get(i).id();
            boolean taken = i == 1 || i == 4;
            assertThat(written.get(i).applied()).as("row %d applied", i).isEqualTo(!taken);
            assertThat(seeder.instant(id, "access_token_expires_at")).as("row %d expiry", i).isEqualTo(taken ? oldExpiry : newExpiry);
            assertThat(seeder.column(id, "lease_owner")).as("row %d lease", i).isEqualTo(taken ? "host/other" : null);
        }
        assertThat(seeder.count("SELECT count(*) FROM refresh_attempt WHERE run_id = :run AND outcome = 'refreshed' "
                + "AND duration_ms = 100 AND tenant_id = :tenant", Map.of("run", runId, "tenant", tenant))).isEqualTo(6);
    }

    @Test
    void shouldDeleteAPendingRotationOnlyWhereTheRefreshsGuardedUpdateApplied() {
        String tenant = seeder.tenant("pendingwriter");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 2, Instant.now().plus(5, ChronoUnit.MINUTES));
        String owner = "host/" + UUID.randomUUID();
        for (Seeded row : rows) {
            seeder.sql("UPDATE integration SET lease_owner = :owner, lease_expires_at = now() + interval '5 minutes' WHERE id = :id",
                    Map.of("owner", owner, "id", row.id()));
            seeder.sql("INSERT INTO pending_rotation (integration_id, sealed_tokens, key_id, started_at) "
                    + "VALUES (:id, decode('00', 'hex'), 'k', now())", Map.of("id", row.id()));
        }
        // the second row's lease went to another replica, which now finishes its sealed token
        seeder.sql("UPDATE integration SET lease_owner = 'host/other' WHERE id = :id", Map.of("id", rows.get(1).id()));
        Instant newExpiry = Instant.now().plus(1, ChronoUnit.HOURS);

        List<OutcomeWriter.Written> written = Uni.join().all(rows.stream()
                .map(row -> writer.write(claimed(row.id()), owner, UUID.randomUUID(), new Outcome.Refreshed(newExpiry, true, List.of(),
                        new AccessToken(Secret.of("at-writer-test"), "Bearer", newExpiry, Optional.empty())),
                        Instant.now(), Instant.now()))
                .toList()).andFailFast().await().atMost(Duration.ofSeconds(30));

        assertThat(written).extracting(OutcomeWriter.Written::applied).containsExactly(true, false);
        assertThat(seeder.count("SELECT count(*) FROM pending_rotation WHERE integration_id = :id", Map.of("id", rows.get(0).id())))
                .as("pending row of the refreshed row").isZero();
        assertThat(seeder.count("SELECT count(*) FROM pending_rotation WHERE integration_id = :id", Map.of("id", rows.get(1).id())))
                .as("pending row of the row another owner holds").isEqualTo(1);
    }

    private ClaimedIntegration claimed(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> ClaimedIntegration.of(integrations.findById(id)));
    }
}
