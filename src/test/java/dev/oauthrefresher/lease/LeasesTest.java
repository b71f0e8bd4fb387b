package dev.oauthrefresher.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import dev.oauthrefresher.common.Replica;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lease API: who an owner is, what each claim's terms allow, the renewal handle, the one wait, the fence's refusal. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class LeasesTest {

    @Inject
    Leases leases;

    @Inject
    LeaseKeeper keeper;

    @Inject
    Replica replica;

    @Inject
    Seeder seeder;

    @Inject
    MeterRegistry registry;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();

    @Test
    void shouldNameThisReplicaThePurposeAndTheRunInEveryOwnerItWrites() {
        assertThat(replica.id()).endsWith("/" + ProcessHandle.current().pid());
        for (LeaseOwner.Purpose purpose : LeaseOwner.Purpose.values()) {
            UUID run = UUID.randomUUID();
            assertThat(leases.owner(purpose, run)).hasToString(replica.id() + "/" + purpose.code() + "/" + run);
        }
        assertThat(leases.owner(LeaseOwner.Purpose.LIFECYCLE)).isNotEqualTo(leases.owner(LeaseOwner.Purpose.LIFECYCLE));

        Seeded row = rows("owner", 1).get(0);
        LeaseOwner owner = leases.owner(LeaseOwner.Purpose.VAULT_MOVE);
        Leases.Claim claim = leases.claim(row.id(), LeaseRepository.Terms.VAULT_MOVE, owner).orElseThrow();
        assertThat(seeder.column(row.id(), "lease_owner")).isEqualTo(owner.toString());
        assertThat(claim.lease().owner()).isEqualTo(owner);
        assertThat(leases.release(claim.lease())).isTrue();
    }

    @Test
    void shouldBumpTheLeaseGenerationOnEveryClaimAndLeaveTheTokenVersionAlone() {
        Seeded row = rows("generation", 1).get(0);
        Object version = seeder.column(row.id(), "version");
        for (int i = 1; i <= 3; i++) {
            Leases.Claim claim = leases.claim(row.id(), LeaseRepository.Terms.REFRESH, leases.owner(LeaseOwner.Purpose.REFRESH))
                    .orElseThrow();
            assertThat(((Number) seeder.column(row.id(), "lease_generation")).longValue()).isEqualTo(i);
            leases.release(claim.lease());
        }
        assertThat(seeder.column(row.id(), "version")).as("a cached token stays valid across claims").isEqualTo(version);
    }

    @Test
    void shouldClaimEachRowOnlyOnItsTerms() {
        List<Seeded> rows = rows("terms", 2);
        Seeded errored = rows.get(0);
        Seeded pending = rows.get(1);
        seeder.sql("UPDATE integration SET status = 'error' WHERE id = :id", Map.of("id", errored.id()));
        seeder.sql("""
                INSERT INTO pending_rotation (integration_id, sealed_tokens, key_id, started_at)
                VALUES (:id, decode('00', 'hex'), 'k', now())
                """, Map.of("id", pending.id()));

        assertThat(leases.claim(errored.id(), LeaseRepository.Terms.REFRESH, leases.owner(LeaseOwner.Purpose.REFRESH)))
                .as("a refresh needs an active row").isEmpty();
        assertThat(leases.claim(pending.id(), LeaseRepository.Terms.REFRESH, leases.owner(LeaseOwner.Purpose.REFRESH)))
                .as("a refresh never uses a spent refresh token").isEmpty();
        assertThat(leases.claim(pending.id(), LeaseRepository.Terms.VAULT_MOVE, leases.owner(LeaseOwner.Purpose.VAULT_MOVE)))
                .as("a rotated token lands in the vault the row names first").isEmpty();
        Optional<Leases.Claim> lifecycle = leases.claim(errored.id(), LeaseRepository.Terms.LIFECYCLE,
                leases.owner(LeaseOwner.Purpose.LIFECYCLE));
        assertThat(lifecycle).as("a reconnect takes any row nobody holds").isPresent();
        assertThat(leases.claim(errored.id(), LeaseRepository.Terms.LIFECYCLE, leases.owner(LeaseOwner.Purpose.LIFECYCLE)))
                .as("but not one somebody holds").isEmpty();
        leases.release(lifecycle.get().lease());
    }

    @Test
    void shouldRenewAHeldLeaseUntilItsHolderClosesIt() {
        Seeded row = rows("renewal", 1).get(0);
        Leases.Claim claim = leases.claim(row.id(), LeaseRepository.Terms.LIFECYCLE, leases.owner(LeaseOwner.Purpose.LIFECYCLE))
                .orElseThrow();
        Lease lease = claim.lease();
        // as if the last renewal were long ago
        seeder.sql("UPDATE integration SET lease_expires_at = now() + interval '1 second' WHERE id = :id", Map.of("id", row.id()));

        keeper.renew();

        Instant renewed = seeder.instant(row.id(), "lease_expires_at");
        assertThat(renewed).isAfter(Instant.now().plus(leases.length()).minusSeconds(30));
        assertThat(lease.until()).isCloseTo(renewed, within(1, ChronoUnit.MILLIS));
        assertThat(lease.standing(Instant.now())).isEqualTo(Lease.Standing.HELD);

        lease.close();
        seeder.sql("UPDATE integration SET lease_expires_at = now() + interval '1 second' WHERE id = :id", Map.of("id", row.id()));
        keeper.renew();

        assertThat(seeder.instant(row.id(), "lease_expires_at")).as("no longer renewed").isBefore(Instant.now().plusSeconds(2));
        assertThat(lease.standing(Instant.now())).isEqualTo(Lease.Standing.GONE);
        assertThat(leases.release(lease)).as("still the holder's in the database until released").isTrue();
    }

    @Test
    void shouldRefuseTheFenceOfAHolderWhoseLapsedLeaseSomeoneElseTook() {
        Seeded row = rows("fence", 1).get(0);
        Lease first = leases.claim(row.id(), LeaseRepository.Terms.REFRESH, leases.owner(LeaseOwner.Purpose.REFRESH))
                .orElseThrow().lease();
        assertThat(first.fence()).isPresent();
        seeder.sql("UPDATE integration SET lease_expires_at = now() - interval '1 second' WHERE id = :id", Map.of("id", row.id()));
        Lease second = leases.claim(row.id(), LeaseRepository.Terms.REFRESH, leases.owner(LeaseOwner.Purpose.REFRESH))
                .orElseThrow().lease();
        double lostBefore = lost("fence");

        assertThat(first.fence()).as("the first holder writes nothing").isEmpty();
        assertThat(first.standing(Instant.now())).isEqualTo(Lease.Standing.GONE);
        assertThat(lost("fence")).isEqualTo(lostBefore + 1);
        assertThat(second.fence()).isPresent();
        leases.release(second);
    }

    @Test
    void shouldWaitForABusyRowAndTakeItOnceItsHolderLetsGo() throws Exception {
        List<Seeded> rows = rows("wait", 2);
        Lease busy = leases.claim(rows.get(0).id(), LeaseRepository.Terms.REFRESH, leases.owner(LeaseOwner.Purpose.REFRESH))
                .orElseThrow().lease();
        CompletableFuture<Optional<Leases.Claim>> waiting = CompletableFuture.supplyAsync(() -> leases.claimWithin(
                rows.get(0).id(), LeaseRepository.Terms.LIFECYCLE, leases.owner(LeaseOwner.Purpose.LIFECYCLE),
                Duration.ofSeconds(20), () -> { }));
        assertThat(waiting).isNotDone();
        leases.release(busy);
        Optional<Leases.Claim> taken = waiting.get(20, TimeUnit.SECONDS);
        assertThat(taken).isPresent();
        leases.release(taken.get().lease());

        Lease held = leases.claim(rows.get(1).id(), LeaseRepository.Terms.REFRESH, leases.owner(LeaseOwner.Purpose.REFRESH))
                .orElseThrow().lease();
        assertThat(leases.claimWithin(rows.get(1).id(), LeaseRepository.Terms.LIFECYCLE, leases.owner(LeaseOwner.Purpose.LIFECYCLE),
                Duration.ofMillis(300), () -> { })).as("a wait that runs out").isEmpty();
        leases.release(held);
    }

    private List<Seeded> rows(String tenant, int count) {
        return seeder.integrations(seeder.tenant(tenant), "google", "fake-google", google, count,
                Instant.now().plus(1, ChronoUnit.HOURS));
    }

    private double lost(String stage) {
        return Optional.ofNullable(registry.find("refresher.leases.lost").tag("stage", stage).counter())
                .map(c -> c.count()).orElse(0.0);
    }
}
