package dev.oauthrefresher.tokenstore.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.KeyVaultProfile;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.InjectVaults;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.Vaults;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The orphan sweep against two Key Vault fakes that hold a mixture: secrets rows point at, secrets without this
 * service's tags, young ones, a vault move's copy of a row that lives in the other vault, and tagged, old secrets no row
 * has. Only the last are orphans.
 */
@QuarkusTest
@TestProfile(KeyVaultProfile.class)
class OrphanSweeperTest {

    private static final Map<String, String> TAGS = Map.of("managed-by", "oauth-refresher", "schema", "token-set-1");
    private static final String DOCUMENT = "{\"schema\":1,\"access_token\":\"at-orphan\",\"refresh_token\":\"rt-orphan\","
            + "\"expires_at\":\"2030-01-01T00:00:00Z\"}";
    /** Older than the default grace period (24 h). */
    private static final Instant OLD = Instant.now().minus(Duration.ofDays(2));

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();

    @InjectVaults
    Vaults vaults;

    @Inject
    OrphanSweeper sweeper;

    @Inject
    Seeder seeder;

    @Inject
    MeterRegistry registry;

    /** Secrets this test put in the fakes, soft-deleted afterwards so the next test's listing does not see them. */
    private final List<Seeded> seeded = new ArrayList<>();

    private record Seeded(KeyVaultFake vault, String name) {
    }

    @BeforeEach
    void startAfresh() {
        vaults.reset();
        seeder.sql("DELETE FROM orphan_sweep", Map.of());
    }

    @AfterEach
    void removeWhatThisTestSeeded() {
        seeded.stream().filter(s -> s.vault().liveSecretNames().contains(s.name())).forEach(s -> s.vault().softDelete(s.name()));
    }

    @Test
    void shouldDeleteOnlyTaggedUnreferencedSecretsOlderThanTheGracePeriod() {
        Mixture mixture = mixture();
        double foundBefore = count("refresher.orphans.found", "default");
        double deletedBefore = count("refresher.orphans.deleted", "default");

        List<OrphanSweeper.VaultSweep> sweeps = sweeper.sweepAll(false);

        KeyVaultFake vault = vaults.defaultVault();
        assertThat(vault.liveSecretNames()).as("secrets left in the vault")
                .contains(mixture.referenced(), mixture.untagged(), mixture.young())
                .doesNotContain(mixture.orphans().toArray(String[]::new));
        assertThat(vaults.shard2().liveSecretNames()).as("the vault move's copy of a row in the other vault")
                .contains(mixture.movingCopy());
        assertThat(mixture.orphans()).as("orphans purged, as a disconnect deletes (delete, then purge)")
                .allSatisfy(name -> assertThat(vault.holds(name)).isFalse());
        assertThat(count("refresher.orphans.found", "default") - foundBefore).isEqualTo(2);
        assertThat(count("refresher.orphans.deleted", "default") - deletedBefore).isEqualTo(2);
        assertThat(sweeps).filteredOn(OrphanSweeper.VaultSweep::swept).extracting(OrphanSweeper.VaultSweep::vault)
                .containsExactlyInAnyOrder("default", "shard-2");
        assertThat(vault.requests()).extracting(KeyVaultFake.Request::method).as("no secret read, no secret written")
                .doesNotContain("PUT", "GET");
    }

    @Test
    void shouldDeleteNothingInADryRunAndCountWhatItWouldDeleteAcrossPages() {
        // 30 orphans need at least two pages of 25: the later ones are reached through Azure's nextLink
        List<String> orphans = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            orphans.add(seed(vaults.shard2(), orphanName(), TAGS, OLD));
        }
        Mixture mixture = mixture();
        double before = count("refresher.orphans.found", "shard-2");

        List<OrphanSweeper.VaultSweep> sweeps = sweeper.sweepAll(true);

        assertThat(vaults.shard2().liveSecretNames()).containsAll(orphans).contains(mixture.movingCopy());
        assertThat(vaults.defaultVault().liveSecretNames()).containsAll(mixture.orphans());
        assertThat(count("refresher.orphans.found", "shard-2") - before).as("orphans found in shard-2").isEqualTo(30);
        assertThat(sweeps).filteredOn(s -> s.vault().equals("shard-2")).singleElement()
                .satisfies(s -> assertThat(s.found()).isEqualTo(30))
                .satisfies(s -> assertThat(s.deleted()).isZero());
        int pages = (vaults.shard2().liveSecretNames().size() + 24) / 25;
        assertThat(pages).as("pages of 25 the vault's secrets fill").isGreaterThanOrEqualTo(2);
        assertThat(vaults.shard2().requests()).extracting(KeyVaultFake.Request::method)
                .as("every page listed once (the later ones through nextLink), nothing else").hasSize(pages).containsOnly("LIST");
    }

    @Test
    void shouldNotSweepWhenNotTurnedOn() {
        Mixture mixture = mixture();

        sweeper.scheduled();

        assertThat(vaults.defaultVault().liveSecretNames()).containsAll(mixture.orphans());
        assertThat(vaults.all()).allSatisfy(vault -> assertThat(vault.requests()).isEmpty());
    }

    @Test
    void shouldLeaveAVaultAloneWhileAnotherReplicaSweepsIt() {
        Mixture mixture = mixture();
        seeder.sql("INSERT INTO orphan_sweep (vault, owner, started_at, held_until) "
                + "VALUES ('default', 'another-replica/orphan-sweep/1', now(), now() + interval '1 hour')", Map.of());

        List<OrphanSweeper.VaultSweep> sweeps = sweeper.sweepAll(false);

        assertThat(sweeps).filteredOn(s -> s.vault().equals("default")).singleElement()
                .satisfies(s -> assertThat(s.swept()).isFalse());
        assertThat(vaults.defaultVault().liveSecretNames()).containsAll(mixture.orphans());
        assertThat(vaults.defaultVault().requests()).isEmpty();
    }

    @Test
    void shouldNotSweepAVaultAgainWithinHalfAnInterval() {
        Mixture mixture = mixture();
        sweeper.sweepAll(true);
        vaults.reset();

        List<OrphanSweeper.VaultSweep> again = sweeper.sweepAll(false);

        assertThat(again).noneMatch(OrphanSweeper.VaultSweep::swept);
        assertThat(vaults.defaultVault().liveSecretNames()).containsAll(mixture.orphans());
    }

    /** What {@link #mixture()} put in the vaults. */
    private record Mixture(String referenced, String untagged, String young, List<String> orphans, String movingCopy) {
    }

    /**
     * In {@code default}: an old secret a row points at (rewritten long ago), an old unreferenced one without this
     * service's tags, a young unreferenced one, two old tagged unreferenced ones; in {@code shard-2}: an old tagged copy
     * of a row that records {@code default}, as a vault move in flight (or one that could not delete its copy) leaves it.
     */
    private Mixture mixture() {
        String tenant = seeder.tenant("orphans");
        Seeder.Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plusSeconds(3600),
                "default").get(0);
        String referenced = seed(vaults.defaultVault(), Integration.secretNameFor(row.id()), TAGS, OLD);
        Seeder.Seeded moving = seeder.integrations(tenant, "google", "fake-google", google, 1,
                Instant.now().plusSeconds(3600), "default").get(0);
        String movingCopy = seed(vaults.shard2(), Integration.secretNameFor(moving.id()), TAGS, OLD);
        String untagged = seed(vaults.defaultVault(), orphanName(), Map.of(), OLD);
        String young = seed(vaults.defaultVault(), orphanName(), TAGS, Instant.now().minus(Duration.ofHours(1)));
        List<String> orphans = List.of(seed(vaults.defaultVault(), orphanName(), TAGS, OLD),
                seed(vaults.defaultVault(), orphanName(), TAGS, OLD));
        vaults.reset();
        return new Mixture(referenced, untagged, young, orphans, movingCopy);
    }

    private String seed(KeyVaultFake vault, String name, Map<String, String> tags, Instant written) {
        vault.seed(name, DOCUMENT, tags, written);
        seeded.add(new Seeded(vault, name));
        return name;
    }

    private static String orphanName() {
        return Integration.secretNameFor(UUID.randomUUID());
    }

    private double count(String name, String vault) {
        Counter counter = registry.find(name).tag("vault", vault).counter();
        return counter == null ? 0 : counter.count();
    }
}
