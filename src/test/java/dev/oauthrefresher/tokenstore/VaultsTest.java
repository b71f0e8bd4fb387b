package dev.oauthrefresher.tokenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Startup validation of the vault settings (each failure names the key to fix) and how new integrations are spread. */
class VaultsTest {

    static final URI A = URI.create("https://vault-a.vault.azure.net");
    static final URI B = URI.create("https://vault-b.vault.azure.net");
    static final URI C = URI.create("https://vault-c.vault.azure.net");

    static Vaults keyVault(Optional<URI> url, Map<String, URI> vaults, Optional<List<String>> assignTo) {
        return Vaults.of(url, vaults, assignTo, true);
    }

    @Test
    void shouldRefuseToStartKeyVaultModeWithoutAnyVault() {
        assertThatThrownBy(() -> keyVault(Optional.empty(), Map.of(), Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.url is required");
    }

    @Test
    void shouldRefuseAPlainHttpVaultUrl() {
        assertThatThrownBy(() -> keyVault(Optional.of(URI.create("http://my-vault.vault.azure.net")), Map.of(), Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.url must be an https URL");
        assertThatThrownBy(() -> keyVault(Optional.of(A), Map.of("shard-2", URI.create("http://b.example")), Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.vaults.shard-2 must be an https URL");
    }

    @Test
    void shouldTakeTheSingleUrlAsTheVaultNamedDefault() {
        Vaults vaults = keyVault(Optional.of(A), Map.of(), Optional.empty());

        assertThat(vaults.names()).containsExactly("default");
        assertThat(vaults.url("default")).contains(A);
        assertThat(vaults.webhookVault()).isEqualTo("default");
        assertThat(vaults.assign(UUID.randomUUID())).isEqualTo("default");
    }

    @Test
    void shouldRefuseTheUrlAndAVaultNamedDefaultTogether() {
        assertThatThrownBy(() -> keyVault(Optional.of(A), Map.of("default", B), Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.url")
                .hasMessageContaining("refresher.token-store.key-vault.vaults.default");
    }

    @Test
    void shouldRefuseAVaultNameThatIsNotLowercaseLettersDigitsAndDashes() {
        for (String bad : List.of("Shard", "shard_2", "a-name-that-is-far-too-long-25")) {
            assertThatThrownBy(() -> keyVault(Optional.of(A), Map.of(bad, B), Optional.empty()))
                    .as(bad).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("refresher.token-store.key-vault.vaults." + bad + ": a vault name is");
        }
    }

    @Test
    void shouldRefuseAnAssignToNameThatIsNotConfigured() {
        assertThatThrownBy(() -> keyVault(Optional.of(A), Map.of("shard-2", B), Optional.of(List.of("shard-3"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.assign-to names vault 'shard-3'");
    }

    @Test
    void shouldRefuseSeveralVaultsWithoutOneNamedDefaultForTheWebhookSecrets() {
        assertThatThrownBy(() -> keyVault(Optional.empty(), Map.of("a", A, "b", B), Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.vaults names several vaults and none 'default'");
        assertThat(keyVault(Optional.empty(), Map.of("only", A), Optional.empty()).webhookVault()).isEqualTo("only");
    }

    @Test
    void shouldGiveMockModeAnImplicitDefaultVault() {
        Vaults vaults = Vaults.of(Optional.empty(), Map.of(), Optional.empty(), false);

        assertThat(vaults.names()).containsExactly("default");
        assertThat(vaults.url("default")).isEmpty();
    }

    @Test
    void shouldSpreadNewIntegrationsEvenlyOverTheAssignToVaults() {
        Vaults vaults = keyVault(Optional.of(A), Map.of("shard-2", B, "shard-3", C), Optional.empty());

        Map<String, Integer> counts = new HashMap<>();
        IntStream.range(0, 3000).forEach(i -> counts.merge(vaults.assign(UUID.randomUUID()), 1, Integer::sum));

        assertThat(counts).containsOnlyKeys("default", "shard-2", "shard-3");
        // 1,000 expected each; a binomial(3000, 1/3) stays within ±150 of it with overwhelming probability
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
    }

    @Test
    void shouldMoveOnlyTheIntegrationsTheNewVaultWinsWhenOneIsAdded() {
        Vaults two = keyVault(Optional.of(A), Map.of("shard-2", B), Optional.empty());
        Vaults three = keyVault(Optional.of(A), Map.of("shard-2", B, "shard-3", C), Optional.empty());

        for (int i = 0; i < 2000; i++) {
            UUID id = UUID.randomUUID();
            String before = two.assign(id);
            String after = three.assign(id);
            assertThat(after).as("rendezvous hashing: a choice changes only to the added vault").isIn(before, "shard-3");
            assertThat(two.assign(id)).as("stable").isEqualTo(before);
        }
    }

    @Test
    void shouldAssignOnlyToTheAssignToVaults() {
        Vaults draining = keyVault(Optional.of(A), Map.of("shard-2", B), Optional.of(List.of("shard-2")));

        assertThat(draining.names()).containsExactly("default", "shard-2");
        assertThat(IntStream.range(0, 200).mapToObj(i -> draining.assign(UUID.randomUUID()))).containsOnly("shard-2");
    }

    @Test
    void shouldAssignNewIntegrationsToTheSealedLayoutOnlyWhenAssignToNamesIt() {
        Vaults sealed = keyVault(Optional.of(A), Map.of(), Optional.of(List.of(SecretRef.DATABASE)));
        Vaults vaultsOnly = keyVault(Optional.of(A), Map.of("shard-2", B), Optional.empty());

        assertThat(IntStream.range(0, 200).mapToObj(i -> sealed.assign(UUID.randomUUID()))).containsOnly(SecretRef.DATABASE);
        assertThat(sealed.names()).as("the sealed layout is no vault").containsExactly("default");
        assertThat(sealed.isConfigured(SecretRef.DATABASE)).isTrue();
        assertThat(IntStream.range(0, 200).mapToObj(i -> vaultsOnly.assign(UUID.randomUUID())))
                .as("never by default").doesNotContain(SecretRef.DATABASE);
        assertThat(vaultsOnly.locations()).containsExactly("default", "shard-2", SecretRef.DATABASE);
    }

    @Test
    void shouldRefuseAVaultNamedLikeTheSealedLayout() {
        assertThatThrownBy(() -> keyVault(Optional.of(A), Map.of(SecretRef.DATABASE, B), Optional.empty()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.key-vault.vaults.database")
                .hasMessageContaining("sealed layout");
    }
}
