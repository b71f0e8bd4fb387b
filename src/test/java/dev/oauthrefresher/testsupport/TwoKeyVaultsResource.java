package dev.oauthrefresher.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Map;

/**
 * Two {@link KeyVaultFake}s as two vaults of one deployment: {@code default} (the single {@code url}, as a deployment
 * that had one vault keeps it) and {@code shard-2} (added under {@code vaults}); the client trusts both certificates.
 * Test fields of type {@link Vaults} annotated {@link InjectVaults} receive them. The {@code default} vault holds the key
 * ring ({@link #KEY_RING}), as a production vault does.
 */
public class TwoKeyVaultsResource implements QuarkusTestResourceLifecycleManager {

    /** Marks a {@link Vaults} field of a test to receive the running fakes. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectVaults {
    }

    /** The fakes by vault name. */
    public record Vaults(KeyVaultFake defaultVault, KeyVaultFake shard2) {

        public KeyVaultFake named(String vault) {
            return switch (vault) {
                case "default" -> defaultVault;
                case "shard-2" -> shard2;
                default -> throw new IllegalArgumentException(vault);
            };
        }

        public List<KeyVaultFake> all() {
            return List.of(defaultVault, shard2);
        }

        public void reset() {
            all().forEach(KeyVaultFake::reset);
        }
    }

    /** The Key Vault secret holding the key ring, and the ring it holds from the start: one key, {@code kv-1}. */
    public static final String KEY_RING = "oauth-refresher-keyring";
    public static final String KV_1 = "mUe0x3xQm7s0cX4Jp8Zq2W5r9Tt1yB6nH3kD0aF7gL4=";
    public static final String KEY_RING_DOCUMENT = "{\"current\":\"kv-1\",\"keys\":{\"kv-1\":\"" + KV_1 + "\"}}";

    private Vaults vaults;

    @Override
    public Map<String, String> start() {
        vaults = new Vaults(KeyVaultFake.start(), KeyVaultFake.start());
        vaults.defaultVault().seed(KEY_RING, KEY_RING_DOCUMENT, "application/json");
        return Map.of(
                "refresher.token-store.kind", "key-vault",
                "refresher.token-store.key-vault.url", vaults.defaultVault().vaultUrl(),
                "refresher.token-store.key-vault.vaults.shard-2", vaults.shard2().vaultUrl(),
                "refresher.token-store.key-vault.disable-challenge-resource-verification", "true",
                "refresher.token-store.key-vault.tls-configuration-name", "key-vault-fakes",
                "quarkus.tls.key-vault-fakes.trust-store.pem.certs",
                vaults.defaultVault().certificatePem() + "," + vaults.shard2().certificatePem(),
                "refresher.token-store.key-vault.retry-backoff", "10ms");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(vaults, new TestInjector.AnnotatedAndMatchesType(InjectVaults.class, Vaults.class));
    }

    @Override
    public void stop() {
        if (vaults != null) {
            vaults.defaultVault().close();
            vaults.shard2().close();
        }
    }
}
