package dev.oauthrefresher.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;
import java.util.Set;

/** Swaps in {@link FlakyTokenStore} and retries pending rotations quickly. */
public class FlakyTokenStoreProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(FlakyTokenStore.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("refresher.refresh.pending-retry-interval", "1s");
    }
}
