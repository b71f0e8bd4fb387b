package dev.oauthrefresher.lease;

import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.rotation.PendingRotations;
import dev.oauthrefresher.refresh.attempt.LeasedRefresh;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TestSecrets;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every token-store write is fenced: ownership of the row is re-asserted just before the write (by one guarded
 * statement, or for a refresh's reactive fence from the lease end this process wrote while that is far enough ahead),
 * the write goes to the secret the fence names, and a process that lost the row writes nothing.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class FencedWritesTest {

    @Inject
    LeaseKeeper keeper;

    @Inject
    LeaseRepository leaseRepository;

    @Inject
    PendingRotations pending;

    @Inject
    LeasedRefresh leasedRefresh;

    @Inject
    IntegrationRepository integrations;

    @Inject
    TokenStore tokenStore;

    @Inject
    Seeder seeder;

    @Inject
    Leases leases;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();
    final FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();

    @Test
    void shouldNameTheRowsSecretAndExtendTheLeaseOnlyWhileTheOwnerStillHoldsTheRow() {
        Seeded row = seeder.integrations(seeder.tenant("fence"), "google", "fake-google", google, 1,
                Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        Lease held = new Lease(row.id(), owner(), Instant.now().minusSeconds(60), keeper);
        // a lapsed lease nobody took is still the owner's: no one can have claimed the row since
        lease(row.id(), held.ownerValue(), "now() - interval '1 minute'");

        assertThat(held.fence()).contains(TestSecrets.of(row.id()));
        assertThat(seeder.instant(row.id(), "lease_expires_at")).as("extended to a full lease").isAfter(Instant.now().plusSeconds(60));

        // the write goes where the row says now, not where the caller found the row
        seeder.sql("UPDATE integration SET vault = 'shard-2' WHERE id = :id", Map.of("id", row.id()));
        Object rowVersion = xmin(row.id());
        Instant leaseEnd = seeder.instant(row.id(), "lease_expires_at");
        assertThat(held.fence()).contains(new SecretRef("shard-2", Integration.secretNameFor(row.id())));
        // a lease that still ends well after the write is proven by a read: nobody may take the row before it ends
        assertThat(xmin(row.id())).as("the row's tuple version: not written by a fence on a long lease").isEqualTo(rowVersion);
        assertThat(seeder.instant(row.id(), "lease_expires_at")).isEqualTo(leaseEnd);

        lease(row.id(), "host/other", "now() + interval '5 minutes'");
        Instant othersLease = seeder.instant(row.id(), "lease_expires_at");
        assertThat(held.fence()).as("after another owner took the row").isEmpty();
        assertThat(seeder.column(row.id(), "lease_owner")).isEqualTo("host/other");
        assertThat(seeder.instant(row.id(), "lease_expires_at")).isEqualTo(othersLease);

        seeder.sql("UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL WHERE id = :id", Map.of("id", row.id()));
        assertThat(held.fence()).as("after the row was released (a reconnect)").isEmpty();
        assertThat(new Lease(UUID.randomUUID(), held.owner(), Instant.now(), keeper).fence()).as("a deleted row").isEmpty();
    }

    @Test
    void shouldAnswerEachOfManyFencesInFlightTogetherForItsOwnHolder() {
        List<Seeded> rows = seeder.integrations(seeder.tenant("fences"), "google", "fake-google", google, 20,
                Instant.now().plus(1, ChronoUnit.HOURS));
        LeaseOwner owner = owner();
        rows.forEach(row -> lease(row.id(), owner.toString(), "now() + interval '1 minute'"));
        List<Integer> taken = List.of(3, 7);
        taken.forEach(i -> lease(rows.get(i).id(), "host/other", "now() + interval '5 minutes'"));

        // all at once, so they share statements; a stale holder of the first row asks in the same breath
        List<Uni<Optional<SecretRef>>> fences = new java.util.ArrayList<>(rows.stream()
                .map(row -> new Lease(row.id(), owner, Instant.now(), keeper).fenceAsync()).toList());
        fences.add(new Lease(rows.get(0).id(), owner(), Instant.now(), keeper).fenceAsync());
        List<Optional<SecretRef>> fenced = Uni.join().all(fences).andFailFast().await().atMost(Duration.ofSeconds(30));

        for (int i = 0; i < rows.size(); i++) {
            if (taken.contains(i)) {
                assertThat(fenced.get(i)).as("row %d, taken", i).isEmpty();
            } else {
                assertThat(fenced.get(i)).as("row %d", i).contains(TestSecrets.of(rows.get(i).id()));
                assertThat(seeder.instant(rows.get(i).id(), "lease_expires_at")).isAfter(Instant.now().plusSeconds(120));
            }
        }
        assertThat(fenced.get(rows.size())).as("the stale holder").isEmpty();
    }

    @Test
    void shouldWriteNothingWhenTheLeaseMovesWhileTheProviderAnswers() {
        String tenant = seeder.tenant("stolen");
        Instant expiry = Instant.now().plus(2, ChronoUnit.MINUTES);
        Seeded kept = seeder.integrations(tenant, "google", "fake-google", google, 1, expiry).get(0);
        Seeded rotated = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1, expiry).get(0);
        for (Seeded row : List.of(kept, rotated)) {
            FakeTokenEndpoint provider = row == kept ? google : rotating;
            Lease held = keeper.track(new Lease(row.id(), owner(), Instant.now().plusSeconds(300), keeper));
            lease(row.id(), held.ownerValue(), "now() + interval '5 minutes'");
            // another owner takes the row while the provider is answering (a paused process whose lease lapsed)
            provider.onRefreshed(grant -> lease(row.id(), "host/other", "now() + interval '5 minutes'"));
            LeasedRefresh.Settled settled;
            try {
                settled = leasedRefresh.refresh(claimed(row.id()), held, UUID.randomUUID())
                        .await().atMost(Duration.ofSeconds(30));
            } finally {
                provider.onRefreshed(grant -> { });
            }

            assertThat(provider.successes(row.grant())).as("the provider refreshed %s", row.grant()).isEqualTo(1);
            assertThat(settled.outcome()).isEqualTo(new Outcome.Deferred(Outcome.Cause.UNFENCED));
            assertThat(settled.written().applied()).isFalse();
            assertThat(stored(row.id()).accessToken().reveal()).as("stored access token of %s", row.grant())
                    .isEqualTo("at-initial-" + row.grant());
            assertThat(seeder.column(row.id(), "lease_owner")).isEqualTo("host/other");
            assertThat(seeder.count("SELECT count(*) FROM pending_rotation WHERE integration_id = :id", Map.of("id", row.id())))
                    .as("a rotated token sealed for a row this process no longer holds").isZero();
        }
    }

    @Test
    void shouldStopRetryingPendingRotationsWhoseLeaseWentAndWriteNothingForThem() {
        String tenant = seeder.tenant("gone");
        List<Seeded> rows = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 2,
                Instant.now().plus(2, ChronoUnit.MINUTES));
        Seeded reconnected = rows.get(0);
        Seeded takenOver = rows.get(1);
        LeaseOwner owner = owner();
        Map<UUID, Lease> held = new java.util.HashMap<>();
        for (Seeded row : rows) {
            lease(row.id(), owner.toString(), "now() + interval '5 minutes'");
            Lease lease = keeper.track(new Lease(row.id(), owner, Instant.now().plusSeconds(300), keeper));
            held.put(row.id(), lease);
            ClaimedIntegration claimed = claimed(row.id());
            TokenSet rotatedTokens = new TokenSet(Secret.of("at-pending-" + row.grant()), Secret.of("rt-pending-" + row.grant()),
                    Instant.now().plus(1, ChronoUnit.HOURS), Optional.empty(), "Bearer");
            assertThat(pending.persist(claimed, lease, null, rotatedTokens, Instant.now()).await().atMost(Duration.ofSeconds(10)))
                    .isEqualTo(PendingRotations.Sealing.SEALED);
            pending.hold(new PendingRotations.Pending(claimed, lease, null, rotatedTokens, Instant.now(), true));
        }
        // what a reconnect through another replica does once the lease lapsed: its own tokens, the pending row dropped
        seeder.sql("UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL WHERE id = :id", Map.of("id", reconnected.id()));
        seeder.sql("DELETE FROM pending_rotation WHERE integration_id = :id", Map.of("id", reconnected.id()));
        // another replica took the other rotation over; it finishes the sealed token itself
        lease(takenOver.id(), "host/other/pending-rotations/" + UUID.randomUUID(), "now() + interval '5 minutes'");

        pending.retry();

        assertThat(pending.size()).as("rotations this process still retries").isZero();
        for (Seeded row : rows) {
            assertThat(stored(row.id()).refreshToken().reveal()).as("stored refresh token of %s", row.grant())
                    .isNotEqualTo("rt-pending-" + row.grant());
            assertThat(held.get(row.id()).standing(Instant.now())).isEqualTo(Lease.Standing.GONE);
        }
        assertThat(seeder.count("SELECT count(*) FROM pending_rotation WHERE integration_id = :id", Map.of("id", takenOver.id())))
                .as("the sealed token, kept for whoever holds the row now").isEqualTo(1);
        assertThat(String.valueOf(seeder.column(takenOver.id(), "lease_owner"))).startsWith("host/other/");
    }

    @Test
    void shouldRenewLapsedLeasesOfTheSameOwnerAndDropRowsWhoseOwnerIsGone() {
        List<Seeded> rows = seeder.integrations(seeder.tenant("renewal"), "google", "fake-google", google, 4,
                Instant.now().plus(1, ChronoUnit.HOURS));
        LeaseOwner owner = owner();
        Instant now = Instant.now();
        List<Lease> held = new java.util.ArrayList<>();
        for (Seeded row : rows) {
            lease(row.id(), owner.toString(), "now() - interval '1 second'");
            held.add(keeper.track(new Lease(row.id(), owner, now.minusSeconds(1), keeper)));
        }
        seeder.sql("UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL WHERE id = :id", Map.of("id", rows.get(1).id()));
        lease(rows.get(2).id(), "host/other", "now() + interval '5 minutes'");
        seeder.sql("DELETE FROM integration WHERE id = :id", Map.of("id", rows.get(3).id()));
        assertThat(held.get(0).standing(now)).as("a lease renewals have not kept").isEqualTo(Lease.Standing.STALE);

        keeper.renew();

        assertThat(held.get(0).standing(Instant.now())).isEqualTo(Lease.Standing.HELD);
        assertThat(seeder.instant(rows.get(0).id(), "lease_expires_at")).isAfter(Instant.now().plusSeconds(60));
        for (Lease gone : held.subList(1, 4)) {
            assertThat(gone.standing(Instant.now())).as("released, taken, deleted").isEqualTo(Lease.Standing.GONE);
        }
        held.get(0).close();
    }

    @Test
    void shouldRenewOnlyTheLeasesTheOwnerStillHoldsAndReportTheOnesAnotherOwnerTook() throws java.sql.SQLException {
        String tenant = seeder.tenant("renew");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, 5,
                Instant.now().plus(5, ChronoUnit.MINUTES));
        String owner = "host/" + UUID.randomUUID();
        for (Seeded row : rows) {
            seeder.sql("UPDATE integration SET lease_owner = :owner, lease_expires_at = now() + interval '1 minute' WHERE id = :id",
                    Map.of("owner", owner, "id", row.id()));
        }
        seeder.sql("UPDATE integration SET lease_owner = 'host/other' WHERE id = :id", Map.of("id", rows.get(2).id()));
        Instant until = Instant.now().plus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);

        LeaseRepository.Renewal renewal = leaseRepository.renew(rows.stream().map(Seeded::id).toList(), owner, until);

        assertThat(renewal.renewed()).containsExactlyInAnyOrderElementsOf(
                rows.stream().map(Seeded::id).filter(id -> !id.equals(rows.get(2).id())).toList());
        assertThat(renewal.heldByOthers()).containsExactly(rows.get(2).id());
        assertThat(seeder.instant(rows.get(0).id(), "lease_expires_at")).isEqualTo(until);
        assertThat(seeder.instant(rows.get(2).id(), "lease_expires_at")).isBefore(until);
    }

    @Test
    void shouldProveAFreshClaimWithoutAStatementAndAskTheDatabaseOnceItsLeaseRunsShortOrIsDisplaced() {
        String tenant = seeder.tenant("proven");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plusSeconds(60)).get(0);
        Leases.Claim claim = leases.claim(row.id(), LeaseRepository.Terms.REFRESH, owner()).orElseThrow();
        Lease lease = claim.lease();
        try {
            double held = fences("held");
            double asked = fences("database");
            Object version = xmin(row.id());

            assertThat(lease.fenceAsync().await().atMost(Duration.ofSeconds(10))).contains(TestSecrets.of(row.id()));
            assertThat(fences("held")).as("proven from the claim's confirmed lease end").isEqualTo(held + 1);
            assertThat(fences("database")).isEqualTo(asked);
            assertThat(xmin(row.id())).as("nothing written").isEqualTo(version);

            // its renewals stopped (the database did not answer, or this process was paused): the lease end it wrote is
            // now too close to prove anything, so the database is asked; meanwhile the lease lapsed and another owner took it
            lease.extendTo(Instant.now().plusSeconds(1));
            lease(row.id(), "host/other", "now() + interval '5 minutes'");
            assertThat(lease.fenceAsync().await().atMost(Duration.ofSeconds(10))).as("after another owner took the row").isEmpty();
            assertThat(fences("database")).isEqualTo(asked + 1);
            assertThat(lease.standing(Instant.now())).isEqualTo(Lease.Standing.GONE);

            // a second claim in this process displaces the first handle: its fence asks the database, which refuses it
            seeder.sql("UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL WHERE id = :id", Map.of("id", row.id()));
            Lease second = leases.claim(row.id(), LeaseRepository.Terms.REFRESH, owner()).orElseThrow().lease();
            Lease displaced = keeper.track(new Lease(row.id(), owner(), Instant.now().plusSeconds(300), TestSecrets.of(row.id()), keeper));
            keeper.track(second);
            assertThat(displaced.fenceAsync().await().atMost(Duration.ofSeconds(10))).as("a displaced handle").isEmpty();
            assertThat(second.fenceAsync().await().atMost(Duration.ofSeconds(10))).contains(TestSecrets.of(row.id()));
            second.close();
        } finally {
            lease.close();
        }
    }

    @Test
    void shouldAskTheDatabaseBeforeEveryRefreshWriteWhenConfiguredTo() {
        String tenant = seeder.tenant("always-asked");
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plusSeconds(60)).get(0);
        LeaseConfig always = new LeaseConfig() {
            @Override
            public Duration lease() {
                return Duration.ofMinutes(5);
            }

            @Override
            public Duration leaseWaitPollInterval() {
                return Duration.ofMillis(100);
            }

            @Override
            public FenceProof fenceProof() {
                return FenceProof.DATABASE;
            }
        };
        io.micrometer.core.instrument.simple.SimpleMeterRegistry counted = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        LeaseKeeper asking = new LeaseKeeper(leaseRepository, always, counted);
        LeaseOwner owner = owner();
        Instant until = Instant.now().plus(Duration.ofMinutes(5));
        lease(row.id(), owner.toString(), "now() + interval '5 minutes'");
        Lease lease = asking.track(new Lease(row.id(), owner, until, TestSecrets.of(row.id()), asking));

        assertThat(lease.fenceAsync().await().atMost(Duration.ofSeconds(10))).contains(TestSecrets.of(row.id()));
        lease(row.id(), "host/other", "now() + interval '5 minutes'");
        assertThat(lease.fenceAsync().await().atMost(Duration.ofSeconds(10))).as("the statement sees another owner").isEmpty();
        assertThat(counted.get("refresher.leases.fences").tag("proof", "database").functionCounter().count()).isEqualTo(2);
        assertThat(counted.get("refresher.leases.fences").tag("proof", "held").functionCounter().count()).isZero();
    }

    private double fences(String proof) {
        return registry.get("refresher.leases.fences").tag("proof", proof).functionCounter().count();
    }

    private Object xmin(UUID id) {
        return seeder.scalar("SELECT xmin::text FROM integration WHERE id = :id", Map.of("id", id));
    }

    private static LeaseOwner owner() {
        return new LeaseOwner("host/1", LeaseOwner.Purpose.RUN, UUID.randomUUID());
    }

    private void lease(UUID id, String owner, String until) {
        seeder.sql("UPDATE integration SET lease_owner = :owner, lease_expires_at = " + until + " WHERE id = :id",
                Map.of("owner", owner, "id", id));
    }

    private ClaimedIntegration claimed(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> ClaimedIntegration.of(integrations.findById(id)));
    }

    private TokenSet stored(UUID id) {
        return tokenStore.load(TestSecrets.of(id)).await().indefinitely().orElseThrow().tokens();
    }
}
