package dev.oauthrefresher.tokenstore;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.identity.ChainedTokenCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Chooses the token store named by {@code refresher.token-store.kind} for the vault locations, with the sealed layout
 * ({@code database}) beside it. Built at startup, so a Key Vault setting that is missing or wrong stops the service
 * before it takes traffic.
 */
public class TokenStoreProducer {

    private static final Logger LOG = Logger.getLogger(TokenStoreProducer.class);
    private static final String TLS_KEY = "refresher.token-store.key-vault.tls-configuration-name";

    @Produces
    @Startup
    @ApplicationScoped
    TokenStore tokenStore(TokenStoreConfig config, Vaults vaults, VaultBudget budget, TokenCredential credential, Vertx vertx,
            TlsConfigurationRegistry tls, SealedTokens sealed) {
        return new LocatedTokenStore(vaultStore(config, vaults, budget, credential, vertx, tls), sealed, config.sealedReadLinger());
    }

    /** The store of the vault locations, by {@code refresher.token-store.kind}. */
    private static TokenStore vaultStore(TokenStoreConfig config, Vaults vaults, VaultBudget budget, TokenCredential credential,
            Vertx vertx, TlsConfigurationRegistry tls) {
        return switch (config.kind()) {
            case MEMORY -> {
                LOG.warn("Token store is in mock mode (memory): tokens are lost when this process stops.");
                yield new InMemoryTokenStore(config.memory().latency());
            }
            case KEY_VAULT -> keyVault(config.keyVault(), config.writeAccessTokens(), vaults, budget, credential, vertx, tls);
        };
    }

    /** The configured vaults, validated at startup: a wrong key stops the service before it takes traffic. */
    @Produces
    @Startup
    @Singleton
    Vaults vaults(TokenStoreConfig config) {
        return Vaults.of(config);
    }

    /**
     * The service's Azure identity: workload identity (AKS; used when {@code AZURE_FEDERATED_TOKEN_FILE} is set), then
     * managed identity (system- or user-assigned, {@code AZURE_CLIENT_ID} choosing a user-assigned one; App Service's
     * {@code IDENTITY_ENDPOINT} too). Deliberately not {@code DefaultAzureCredential}: in a pod it would also try a
     * developer's Azure CLI, IDE and shared-cache logins, whose code (msal4j's persistence extension) loads desktop
     * keyring libraries and has no place in a production image. Tests replace this bean with an {@code @Alternative}.
     */
    @Produces
    @ApplicationScoped
    TokenCredential azureCredential(Vertx vertx) {
        return credential(System.getenv(), KeyVaultClients.defaultHttpClient(vertx));
    }

    /**
     * The chain for an environment. The variables are passed explicitly rather than left to the SDK's global
     * configuration, so what the credential sees is what this process was started with.
     */
    static TokenCredential credential(Map<String, String> env, HttpClient http) {
        Optional<String> clientId = Optional.ofNullable(env.get("AZURE_CLIENT_ID")).filter(v -> !v.isBlank());
        ChainedTokenCredentialBuilder chain = new ChainedTokenCredentialBuilder();
        Optional.ofNullable(env.get("AZURE_FEDERATED_TOKEN_FILE")).filter(v -> !v.isBlank()).ifPresent(tokenFile -> {
            WorkloadIdentityCredentialBuilder workload = new WorkloadIdentityCredentialBuilder().httpClient(http)
                    .tokenFilePath(tokenFile).tenantId(env.get("AZURE_TENANT_ID"));
            clientId.ifPresent(workload::clientId);
            Optional.ofNullable(env.get("AZURE_AUTHORITY_HOST")).filter(v -> !v.isBlank()).ifPresent(workload::authorityHost);
            chain.addLast(workload.build());
        });
        ManagedIdentityCredentialBuilder managed = new ManagedIdentityCredentialBuilder().httpClient(http);
        clientId.ifPresent(managed::clientId);
        return chain.addLast(managed.build()).build();
    }

    private static KeyVaultTokenStore keyVault(TokenStoreConfig.KeyVault config, boolean writeAccessTokens, Vaults vaults,
            VaultBudget budget,
            TokenCredential credential, Vertx vertx, TlsConfigurationRegistry tls) {
        Optional<TrustOptions> trust = config.tlsConfigurationName().map(name -> trustOptions(tls, name));
        if (config.disableChallengeResourceVerification()) {
            LOG.warn("Key Vault challenge resource verification is disabled: acceptable only against a local fake.");
        }
        Map<String, KeyVaultTokenStore.Vault> clients = new TreeMap<>();
        for (String name : vaults.names()) {
            URI url = vaults.url(name).orElseThrow();
            clients.put(name, new KeyVaultTokenStore.Vault(name, KeyVaultClients.secretClient(url, credential, vertx,
                    config.requestTimeout(), config.connectTimeout(), config.maxConnections(), trust,
                    config.disableChallengeResourceVerification()),
                    budget.limiter(name)));
            LOG.infof("Token store: Azure Key Vault '%s' at %s%s", name, url,
                    vaults.assignTo().contains(name) ? "" : " (takes no new integrations)");
        }
        LOG.infof("Token store: %d vault(s), webhook secrets in '%s', at most %d requests/s per vault, %d attempts per "
                + "operation.", clients.size(), vaults.webhookVault(), config.maxRequestsPerSecond(), config.maxAttempts());
        return new KeyVaultTokenStore(clients, vaults.webhookVault(), KeyVaultTokenStore.CallPolicy.of(config),
                KeyVaultTokenStore.Delay.TIMER, KeyVaultTokenStore.documentSchema(writeAccessTokens));
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
