package dev.oauthrefresher.keyring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oauthrefresher.testsupport.KeyVaultProfile;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.InjectVaults;
import dev.oauthrefresher.testsupport.TwoKeyVaultsResource.Vaults;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * In Key Vault mode the ring is the Key Vault secret {@code oauth-refresher-keyring}: read at startup, and read again
 * when a value names a key the replica has not seen, so a key added and made current in the vault is taken without a
 * restart.
 */
@QuarkusTest
@TestProfile(KeyVaultProfile.class)
class KeyRingFromKeyVaultTest {

    @InjectVaults
    Vaults vaults;

    @Inject
    KeyRing ring;

    @Inject
    MeterRegistry registry;

    @Inject
    TokenStore tokenStore;

    @Test
    void shouldSealWithTheRingReadFromKeyVaultAndTakeANewKeyAddedThere() {
        UUID id = UUID.randomUUID();
        assertThat(ring.currentKeyId()).as("the current key of the vault's ring").isEqualTo("kv-1");
        assertThat(ring.open(id, KeyRingTest.ring(Map.of("kv-1", TwoKeyVaultsResource.KV_1), "kv-1", Optional.empty())
                .seal(id, KeyRingTest.TOKENS).value())).isEqualTo(KeyRingTest.TOKENS);

        // another replica already has kv-2, added and made current in the vault
        vaults.defaultVault().seed(TwoKeyVaultsResource.KEY_RING, "{\"current\":\"kv-2\",\"keys\":{\"kv-1\":\""
                + TwoKeyVaultsResource.KV_1 + "\",\"kv-2\":\"" + KeyRingTest.K2 + "\"}}", "application/json");
        byte[] sealedElsewhere = KeyRingTest.ring(Map.of("kv-2", KeyRingTest.K2), "kv-2", Optional.empty())
                .seal(id, KeyRingTest.TOKENS).value();
        try {
            assertThatThrownBy(() -> ring.open(id, sealedElsewhere)).isInstanceOf(SealedValueException.UnknownKeyId.class);
            Poll.until("the ring read again from Key Vault", Duration.ofSeconds(20), () -> ring.keyIds().contains("kv-2"));

            assertThat(ring.open(id, sealedElsewhere)).isEqualTo(KeyRingTest.TOKENS);
            assertThat(ring.seal(id, KeyRingTest.TOKENS).keyId()).isEqualTo("kv-2");
            assertThat(registry.find("refresher.keyring.keys").tag("key", "kv-2").tag("current", "true").gauge())
                    .as("this replica reports the new current key").isNotNull();
        } finally {
            vaults.defaultVault().seed(TwoKeyVaultsResource.KEY_RING, TwoKeyVaultsResource.KEY_RING_DOCUMENT, "application/json");
            ring.reload();
        }
        assertThat(ring.currentKeyId()).isEqualTo("kv-1");
    }

    @Test
    void shouldReadTheRingAgainAtStartupWhileKeyVaultFailsTransientlyAndStopAtOnceWhenRefused() {
        RingSource source = RingSource.keyVault(tokenStore, TwoKeyVaultsResource.KEY_RING);
        int attempts = ConfigProvider.getConfig().getValue("refresher.token-store.key-vault.max-attempts", Integer.class);
        // twice the store's own attempts: the first read fails after its retries, a later one finds the ring
        vaults.defaultVault().failNext(2 * attempts, 503, Map.of());

        KeyRing started = new KeyRing(source, Optional.empty(), false, Duration.ofMinutes(1), Runnable::run, r -> { },
                Duration.ofSeconds(20));

        assertThat(started.currentKeyId()).isEqualTo("kv-1");
        assertThat(vaults.defaultVault().requests()).filteredOn(r -> r.secretName().equals(TwoKeyVaultsResource.KEY_RING))
                .as("more reads than one read's attempts").hasSizeGreaterThan(attempts);

        vaults.defaultVault().reset();
        vaults.defaultVault().failNext(1, 403, Map.of());
        assertThatThrownBy(() -> new KeyRing(source, Optional.empty(), false, Duration.ofMinutes(1), Runnable::run, r -> { },
                Duration.ofSeconds(20))).isInstanceOf(TokenStoreException.class).hasMessageContaining("HTTP 403");
        assertThat(vaults.defaultVault().requests()).as("a refusal is not read again").hasSize(1);
    }
}
