package dev.oauthrefresher.tokenstore;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.FixedDelay;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.vertx.VertxHttpClientBuilder;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.TrustOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Builds the Azure SDK's async secret client on Quarkus' own Vert.x, with the SDK's retries switched off and its HTTP
 * transport replaced ({@link VaultTransport}).
 */
final class KeyVaultClients {

    private KeyVaultClients() {
    }

    /**
     * @param trust trust store for the vault's certificate; empty means the JVM's
     * @param disableChallengeResourceVerification only for a local fake whose host is not a vault domain
     */
    static SecretAsyncClient secretClient(URI vaultUrl, TokenCredential credential, Vertx vertx, Duration requestTimeout,
            Duration connectTimeout, int maxConnections, Optional<TrustOptions> trust,
            boolean disableChallengeResourceVerification) {
        SecretClientBuilder builder = new SecretClientBuilder()
                .vaultUrl(vaultUrl.toString())
                .credential(credential)
                .httpClient(httpClient(vertx, requestTimeout, connectTimeout, maxConnections, trust))
                // KeyVaultTokenStore retries itself, under its rate limit and honouring Retry-After; SDK
                // retries underneath would multiply attempts and bypass both.
                .retryPolicy(new RetryPolicy(new FixedDelay(0, Duration.ZERO)))
                // Explicit, so AZURE_HTTP_LOG_DETAIL_LEVEL in the environment can never log secret bodies.
                .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE));
        if (disableChallengeResourceVerification) {
            builder.disableChallengeResourceVerification();
        }
        return builder.buildAsyncClient();
    }

    /** An Azure HTTP client on the given Vert.x, with the JVM's trust store; for Microsoft Entra ID calls. */
    static HttpClient defaultHttpClient(Vertx vertx) {
        return new VertxHttpClientBuilder().vertx(vertx).build();
    }

    private static HttpClient httpClient(Vertx vertx, Duration requestTimeout, Duration connectTimeout, int maxConnections,
            Optional<TrustOptions> trust) {
        int timeoutMillis = (int) requestTimeout.toMillis();
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout((int) min(requestTimeout, connectTimeout).toMillis())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setReadIdleTimeout(timeoutMillis)
                .setWriteIdleTimeout(timeoutMillis)
                .setMaxPoolSize(maxConnections);
        trust.ifPresent(options::setTrustOptions);
        return new VaultTransport(vertx.createHttpClient(options), requestTimeout);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
