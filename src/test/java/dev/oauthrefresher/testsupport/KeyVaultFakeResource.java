package dev.oauthrefresher.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

/**
 * Starts a {@link KeyVaultFake} and points the application's Key Vault token store at it, trusting its
 * certificate through a named Quarkus TLS configuration. Test fields annotated {@link InjectKeyVaultFake}
 * receive the fake.
 */
public class KeyVaultFakeResource implements QuarkusTestResourceLifecycleManager {

    /** Marks a {@link KeyVaultFake} field of a test to receive the running fake. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectKeyVaultFake {
    }

    private KeyVaultFake fake;

    @Override
    public Map<String, String> start() {
        fake = KeyVaultFake.start();
        return Map.of(
                "refresher.token-store.kind", "key-vault",
                "refresher.token-store.key-vault.url", fake.vaultUrl(),
                "refresher.token-store.key-vault.disable-challenge-resource-verification", "true",
                "refresher.token-store.key-vault.tls-configuration-name", "key-vault-fake",
                "quarkus.tls.key-vault-fake.trust-store.pem.certs", fake.certificatePem().toString(),
                "refresher.token-store.key-vault.retry-backoff", "10ms");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(fake, new TestInjector.AnnotatedAndMatchesType(InjectKeyVaultFake.class, KeyVaultFake.class));
    }

    @Override
    public void stop() {
        if (fake != null) {
            fake.close();
        }
    }
}
