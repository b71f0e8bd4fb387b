package dev.oauthrefresher.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The application in production shape, and the suite's one Key Vault boot: tokens in two (fake) Azure Key Vaults
 * ({@link TwoKeyVaultsResource}: {@code default} and {@code shard-2}) reached with a stand-in credential, on real
 * PostgreSQL with the stateful fake token endpoints. A new integration lands in either vault, so a test finds its
 * secret in the vault its row records. The per-replica cap is above the vault budget so that the budget's division
 * shows, the heartbeat is left to the tests ({@code VaultBudget.beat()}), a registration's abandoned write is
 * compensated 5 s later, and access tokens live beside the row, not in the vault ({@code write-access-tokens=false}).
 */
public class KeyVaultProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(FakeAzureCredential.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("refresher.token-store.key-vault.max-requests-per-second", "400",
                "refresher.token-store.key-vault.heartbeat-interval", "1h",
                // rows must outlive the live window (interval × live intervals), or startup refuses the settings
                "refresher.retention.heartbeats", "3h",
                // a registration's abandoned write is compensated within a test's patience (default: 3 minutes here)
                "refresher.token-store.orphans.compensation-delay", "5s",
                // a deployment after its rollout, whose hosts use the API: a refresh that keeps its refresh token writes
                // nothing to the vault (the other boots keep the default, true, and its rewrite of the document)
                "refresher.token-store.write-access-tokens", "false");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(EmbeddedPostgresResource.class),
                new TestResourceEntry(FakeTokenEndpointResource.class),
                new TestResourceEntry(TwoKeyVaultsResource.class));
    }
}
