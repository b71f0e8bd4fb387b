package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.RateLimiter;
import com.azure.core.credential.TokenCredential;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Chooses the token store named by {@code refresher.token-store.kind}. Built at startup, so a Key Vault
 * setting that is missing or wrong stops the service before it takes traffic.
 */
public class TokenStoreProducer {

    private static final Logger LOG = Logger.getLogger(TokenStoreProducer.class);
    private static final String URL_KEY = "refresher.token-store.key-vault.url";
    private static final String TLS_KEY = "refresher.token-store.key-vault.tls-configuration-name";

    @Produces
    @Startup
    @ApplicationScoped
    TokenStore tokenStore(TokenStoreConfig config, TokenCredential credential, Vertx vertx, TlsConfigurationRegistry tls) {
        return switch (config.kind()) {
            case MEMORY -> {
                LOG.warn("Token store is in mock mode (memory): tokens are lost when this process stops.");
                yield new InMemoryTokenStore(config.memory().latency());
            }
            case KEY_VAULT -> keyVault(config.keyVault(), credential, vertx, tls);
        };
    }

    /**
     * {@code DefaultAzureCredential} finds workload identity or managed identity in Kubernetes (and a developer's
     * Azure CLI login locally). Tests replace this bean with an {@code @Alternative}.
     */
    @Produces
    @ApplicationScoped
    TokenCredential azureCredential(Vertx vertx) {
        return new DefaultAzureCredentialBuilder().httpClient(KeyVaultClients.defaultHttpClient(vertx)).build();
    }

    private static KeyVaultTokenStore keyVault(TokenStoreConfig.KeyVault config, TokenCredential credential, Vertx vertx,
            TlsConfigurationRegistry tls) {
        URI url = vaultUrl(config.url());
        Optional<TrustOptions> trust = config.tlsConfigurationName().map(name -> trustOptions(tls, name));
        if (config.disableChallengeResourceVerification()) {
            LOG.warn("Key Vault challenge resource verification is disabled: acceptable only against a local fake.");
        }
        LOG.infof("Token store: Azure Key Vault at %s, at most %d requests/s, %d attempts per operation.",
                url, config.maxRequestsPerSecond(), config.maxAttempts());
        return new KeyVaultTokenStore(
                KeyVaultClients.secretClient(url, credential, vertx, config.requestTimeout(), config.maxConnections(), trust,
                        config.disableChallengeResourceVerification()),
                KeyVaultTokenStore.CallPolicy.of(config),
                RateLimiter.perSecond(config.maxRequestsPerSecond()),
                KeyVaultTokenStore.Delay.TIMER);
    }

    /** The configured vault URL, or a startup failure that names the key. */
    static URI vaultUrl(Optional<URI> configured) {
        URI url = configured.orElseThrow(() -> new ConfigurationException(
                URL_KEY + " is required when refresher.token-store.kind=key-vault (e.g. https://my-vault.vault.azure.net).",
                Set.of(URL_KEY)));
        if (!"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
            throw new ConfigurationException(URL_KEY + " must be an https URL with a host, e.g. https://my-vault.vault.azure.net.",
                    Set.of(URL_KEY));
        }
        return url;
    }

    private static TrustOptions trustOptions(TlsConfigurationRegistry tls, String name) {
        TlsConfiguration configuration = tls.get(name).orElseThrow(() -> new ConfigurationException(
                TLS_KEY + " names TLS configuration '" + name + "', but no quarkus.tls." + name + ".* is configured.",
                Set.of(TLS_KEY)));
        if (configuration.getTrustStoreOptions() == null) {
            throw new ConfigurationException(TLS_KEY + " names TLS configuration '" + name + "', which has no trust store.",
                    Set.of(TLS_KEY));
        }
        return configuration.getTrustStoreOptions();
    }
}
