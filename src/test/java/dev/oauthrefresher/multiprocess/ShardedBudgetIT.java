package dev.oauthrefresher.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.process.Database;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.Harness.TokenStore;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two vaults shared by two real processes (the packaged jar) on one database: each process's per-vault rate, read
 * from its own {@code /q/metrics}, is the vault budget divided by the live replicas it counts in
 * {@code replica_heartbeat}, and goes back up when the other process stops.
 */
class ShardedBudgetIT {

    /** 4,000 transactions per 10 s × 0.9 = 360 requests/s per vault; the per-replica cap is raised out of the way. */
    private static final double WHOLE = 360;
    private static final Duration CONVERGES_WITHIN = Duration.ofSeconds(30);

    private Harness harness;
    private KeyVaultFake shard2;

    @AfterEach
    void tearDown() {
        if (harness != null) {
            harness.close();
            assertThat(harness.secretsInServiceLogs()).as("service log lines with a token or secret").isEmpty();
        }
        if (shard2 != null) {
            shard2.close();
        }
    }

    @Test
    @Timeout(240)
    void shouldShareEachVaultsBudgetBetweenTwoProcessesAndKeepEverySecretInTheVaultOnItsRow() {
        harness = Harness.start(Path.of("target", "sharded-budget"), FakeTokenEndpoint.Mode.GOOGLE, TokenStore.KEY_VAULT);
        shard2 = KeyVaultFake.start();
        Database db = harness.createDatabase("sharded");
        Map<String, String> settings = Map.of(
                "refresher.token-store.key-vault.vaults.shard-2", shard2.vaultUrl(),
                "quarkus.tls.key-vault-fake.trust-store.pem.certs",
                harness.keyVault().certificatePem() + "," + shard2.certificatePem(),
                "refresher.token-store.key-vault.max-requests-per-second", "400",
                "refresher.token-store.key-vault.heartbeat-interval", "1s");

        ServiceProcess a = harness.launch("a", db, settings, Harness.SERVICE_JVM).awaitReady();
        ServiceClient clientA = harness.client(a);
        awaitRates(clientA, WHOLE);

        ServiceProcess b = harness.launch("b", db, settings, Harness.SERVICE_JVM).awaitReady();
        ServiceClient clientB = harness.client(b);
        awaitRates(clientA, WHOLE / 2);
        awaitRates(clientB, WHOLE / 2);

        clientA.createTenant("sharded");
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ServiceClient through = i % 2 == 0 ? clientA : clientB;
            ids.add(through.registerIntegration("sharded", "oauth2", Harness.GROUP, "user-" + i + "@example.com",
                    "at-seed-" + UUID.randomUUID(), harness.provider().newGrant("g-" + i), Instant.now().plusSeconds(3600)));
        }
        Map<String, Long> perVault = db.countBy("SELECT vault, count(*) FROM integration GROUP BY vault");
        assertThat(perVault).as("integrations registered through both processes, by vault").containsOnlyKeys("default", "shard-2");
        for (UUID id : ids) {
            String vault = (String) db.rows("SELECT vault FROM integration WHERE id = ?", id).get(0)[0];
            KeyVaultFake holder = vault.equals("shard-2") ? shard2 : harness.keyVault();
            KeyVaultFake other = vault.equals("shard-2") ? harness.keyVault() : shard2;
            assertThat(holder.holds(Integration.secretNameFor(id))).as("%s in %s", id, vault).isTrue();
            assertThat(other.holds(Integration.secretNameFor(id))).as("%s only in %s", id, vault).isFalse();
        }

        b.terminate(Duration.ofSeconds(30));
        awaitRates(clientA, WHOLE);

        System.out.printf("[sharded-budget] two vaults, two processes: %.0f requests/s per vault each while both run, "
                + "%.0f alone again after SIGTERM of one; 20 registrations through both spread %s, each secret only in "
                + "the vault on its row%n", WHOLE / 2, WHOLE, perVault);
    }

    private static void awaitRates(ServiceClient client, double expected) {
        long deadline = System.nanoTime() + CONVERGES_WITHIN.toNanos();
        while (true) {
            OptionalDouble first = client.sample("refresher_key_vault_requests_per_second{vault=\"default\"}");
            OptionalDouble second = client.sample("refresher_key_vault_requests_per_second{vault=\"shard-2\"}");
            if (first.isPresent() && second.isPresent() && first.getAsDouble() == expected && second.getAsDouble() == expected) {
                return;
            }
            assertThat(System.nanoTime()).as("both vaults' rates at %.0f within %s (now %s / %s)", expected,
                    CONVERGES_WITHIN, first, second).isLessThan(deadline);
            ServiceProcess.pause(Duration.ofMillis(200));
        }
    }
}
