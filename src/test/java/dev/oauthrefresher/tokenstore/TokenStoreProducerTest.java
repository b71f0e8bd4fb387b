package dev.oauthrefresher.tokenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.ConfigurationException;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Startup validation of the Key Vault URL: the failure names the key an operator has to set. */
class TokenStoreProducerTest {

    @Test
    void shouldRefuseToStartKeyVaultModeWithoutAVaultUrl() {
        assertThatThrownBy(() -> TokenStoreProducer.vaultUrl(Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.url is required");
    }

    @Test
    void shouldRefuseAPlainHttpVaultUrl() {
        assertThatThrownBy(() -> TokenStoreProducer.vaultUrl(Optional.of(URI.create("http://my-vault.vault.azure.net"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.url must be an https URL");
    }

    @Test
    void shouldAcceptAnHttpsVaultUrl() {
        URI url = URI.create("https://my-vault.vault.azure.net");

        assertThat(TokenStoreProducer.vaultUrl(Optional.of(url))).isEqualTo(url);
    }
}
