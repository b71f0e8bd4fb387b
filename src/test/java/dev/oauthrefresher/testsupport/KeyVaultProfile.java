package dev.oauthrefresher.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Set;

/** The application in production shape: tokens in (a fake) Azure Key Vault, reached with a stand-in credential. */
public class KeyVaultProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(FakeAzureCredential.class);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KeyVaultFakeResource.class));
    }
}
