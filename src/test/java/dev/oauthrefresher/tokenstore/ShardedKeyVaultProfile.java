package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.testsupport.FakeAzureCredential;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Two vaults ({@link TwoKeyVaultsResource}), a per-replica cap above the vault budget so that the budget's division
 * shows, and a heartbeat the test drives itself.
 */
public class ShardedKeyVaultProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(FakeAzureCredential.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("refresher.token-store.key-vault.max-requests-per-second", "400",
                "refresher.token-store.key-vault.heartbeat-interval", "1h",
                // at least the three intervals a replica counts as live, as the startup check requires
                "refresher.token-store.key-vault.heartbeat-retention", "3h");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(TwoKeyVaultsResource.class));
    }
}
