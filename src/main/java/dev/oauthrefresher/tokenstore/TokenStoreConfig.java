package dev.oauthrefresher.tokenstore;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Where tokens are kept. */
@ConfigMapping(prefix = "refresher.token-store")
public interface TokenStoreConfig {

    /**
     * {@code key-vault} (production) or {@code memory} (mock mode: tokens live in this process and are lost
     * on restart). Key {@code refresher.token-store.kind}, default {@code key-vault}; the dev and test
     * profiles use {@code memory}.
     */
    @WithDefault("key-vault")
    Kind kind();

    /**
     * How long the readiness check waits for the token store's answer before it reports the store down.
     * Key {@code refresher.token-store.readiness-timeout}, default {@code 2s}.
     */
    @WithDefault("2s")
    Duration readinessTimeout();

    /** Mock-mode settings. */
    Memory memory();

    /** Azure Key Vault settings, read when {@code kind} is {@code key-vault}. */
    KeyVault keyVault();

    enum Kind {
        KEY_VAULT,
        MEMORY
    }

    interface Memory {

        /**
         * Delay added to every memory-store operation, to stand in for Key Vault's latency in benchmarks.
         * Key {@code refresher.token-store.memory.latency}, default {@code 0ms}.
         */
        @WithDefault("0ms")
        Duration latency();
    }

    interface KeyVault {

        /**
         * The vault, e.g. {@code https://my-vault.vault.azure.net}. Key {@code refresher.token-store.key-vault.url},
         * no default; required (and must be {@code https}) when {@code kind} is {@code key-vault}.
         */
        Optional<URI> url();

        /**
         * Client-side budget of Key Vault requests per second for this replica, retries included. Key Vault
         * throttles a vault at 4,000 secret transactions per 10 s, shared by all replicas: keep
         * {@code replicas × this × 10} below that. Key
         * {@code refresher.token-store.key-vault.max-requests-per-second}, default {@code 200}, at most {@code 400}.
         */
        @WithDefault("200")
        @Min(1)
        @Max(400)
        int maxRequestsPerSecond();

        /**
         * Attempts per operation, the first included, before a throttled or failing call is given up. Key
         * {@code refresher.token-store.key-vault.max-attempts}, default {@code 4}.
         */
        @WithDefault("4")
        @Min(1)
        @Max(10)
        int maxAttempts();

        /**
         * Longest wait for one Key Vault answer; a call that takes longer counts as a failed attempt. Key
         * {@code refresher.token-store.key-vault.request-timeout}, default {@code 10s}.
         */
        @WithDefault("10s")
        Duration requestTimeout();

        /**
         * First pause before retrying a 5xx or I/O failure; it doubles with each attempt (with jitter). Key
         * {@code refresher.token-store.key-vault.retry-backoff}, default {@code 250ms}.
         */
        @WithDefault("250ms")
        Duration retryBackoff();

        /**
         * Longest pause this store sits out before a retry. A throttled answer asking for a longer
         * {@code Retry-After} fails at once as transient, carrying the delay, so the caller can defer the work.
         * It counts in the worst case of one refresh, which the lease must cover. Key
         * {@code refresher.token-store.key-vault.max-retry-wait}, default {@code 10s}.
         */
        @WithDefault("10s")
        Duration maxRetryWait();

        /**
         * Connections kept open to the vault. Key {@code refresher.token-store.key-vault.max-connections},
         * default {@code 32}.
         */
        @WithDefault("32")
        @Min(1)
        @Max(512)
        int maxConnections();

        /**
         * Accept an authentication challenge whose resource does not match the vault's domain. Only for a
         * local Key Vault fake; never in production. Key
         * {@code refresher.token-store.key-vault.disable-challenge-resource-verification}, default {@code false}.
         */
        @WithDefault("false")
        boolean disableChallengeResourceVerification();

        /**
         * Name of a Quarkus TLS configuration ({@code quarkus.tls.<name>.trust-store.*}) whose trust store the
         * Key Vault client uses instead of the JVM's, for a vault reached through a private CA. Key
         * {@code refresher.token-store.key-vault.tls-configuration-name}, no default.
         */
        Optional<String> tlsConfigurationName();
    }
}
