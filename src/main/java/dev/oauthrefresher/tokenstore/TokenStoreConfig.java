package dev.oauthrefresher.tokenstore;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /**
     * Whether every refresh writes the whole token document, the new access token included, to the token store.
     * {@code true}: every refresh costs two vault transactions (a read and a write), as in the previous release, and the
     * document's {@code access_token} is always the current one (schema 1 of docs/TOKEN-DOCUMENT.md), for hosts that read
     * the vault directly and for a rolling update from the previous release, whose pods serve access tokens from the
     * vault. {@code false}: a refresh whose refresh token did not change costs one transaction (the read) and writes
     * nothing to the store, the new access token lives only beside the row in PostgreSQL (sealed); a rotation still
     * costs a read and a write; the document's access token is the one of its last write (schema 2). Key
     * {@code refresher.token-store.write-access-tokens}, default {@code true} (docs/UPGRADING.md says when to turn it off).
     */
    @WithDefault("true")
    boolean writeAccessTokens();

    /**
     * How long the first read of the sealed layout ({@code database}) into an idle group waits for others to share its
     * statement (reads that queue behind a running one never wait): a run's refreshes arrive a few per millisecond, and
     * grouped they cost a statement per dozens instead of one each. Every sealed read, on-demand refreshes' included,
     * takes this much longer; {@code 0} sends each at once. Key {@code refresher.token-store.sealed-read-linger},
     * default {@code 2ms}.
     */
    @WithDefault("2ms")
    Duration sealedReadLinger();

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
         * Several vaults by name, e.g. {@code refresher.token-store.key-vault.vaults.shard-2=https://my-vault-2.vault.azure.net}.
         * Names are lowercase letters, digits and dashes, at most 24. {@code url} is the vault named {@code default};
         * setting both {@code url} and {@code vaults.default} is an error. Each integration records its vault on its
         * row, so changing this list never orphans a secret. Key {@code refresher.token-store.key-vault.vaults.<name>},
         * no default.
         */
        Map<String, URI> vaults();

        /**
         * The locations that receive new integrations (spread by rendezvous hashing of the integration's id): configured
         * vaults, and {@code database}, the sealed layout (tokens sealed by the key ring in PostgreSQL; a refresh costs no
         * vault transaction). A location left out still serves the integrations it holds, so it can be drained and
         * retired. Key {@code refresher.token-store.key-vault.assign-to}, default: every configured vault (never
         * {@code database} unless named).
         */
        Optional<List<String>> assignTo();

        /**
         * Secret transactions Key Vault allows one vault per 10 s, shared by every replica (Azure's published limit for
         * secret GET and SET). Key {@code refresher.token-store.key-vault.vault-transactions-per-10s}, default
         * {@code 4000}.
         */
        @WithName("vault-transactions-per-10s")
        @WithDefault("4000")
        @Min(10)
        int vaultTransactionsPer10s();

        /**
         * The share of {@code vault-transactions-per-10s} the replicas together plan to use, leaving the rest for
         * readiness probes, other clients and clock differences. Key {@code refresher.token-store.key-vault.budget-share},
         * default {@code 0.9}.
         */
        @WithDefault("0.9")
        @DecimalMin(value = "0", inclusive = false)
        @DecimalMax("1")
        double budgetShare();

        /**
         * How often this replica records in {@code replica_heartbeat} that it is alive; a replica unseen for three
         * intervals ({@code heartbeat-live-intervals}) no longer counts, and each vault's budget is divided by the replicas that do. Key
         * {@code refresher.token-store.key-vault.heartbeat-interval}, default {@code 5s}.
         */
        @WithDefault("5s")
        Duration heartbeatInterval();

        /**
         * A replica unseen for this many heartbeat intervals no longer shares the vaults' budget. At least {@code 2}, so
         * a replica whose heartbeat is merely late is not dropped (the others would raise their rates past the budget).
         * Key {@code refresher.token-store.key-vault.heartbeat-live-intervals}, default {@code 3}.
         */
        @WithDefault("3")
        @Min(2)
        int heartbeatLiveIntervals();

        /**
         * Ignored since {@code refresher.retention.heartbeats} replaced it (a warning at startup says so); still declared
         * so that a configuration that sets it keeps starting for one release. Key
         * {@code refresher.token-store.key-vault.heartbeat-retention}, no default.
         */
        Optional<Duration> heartbeatRetention();

        /**
         * Upper cap on this replica's Key Vault requests per second to each vault, retries included. The rate actually
         * used is each vault's budget ({@code vault-transactions-per-10s × budget-share / 10}) divided by the live
         * replicas, never more than this. Key
         * {@code refresher.token-store.key-vault.max-requests-per-second}, default {@code 200}, at most {@code 400}.
         */
        @WithDefault("200")
        @Min(1)
        @Max(400)
        int maxRequestsPerSecond();

        /**
         * Longest wait of a scheduled call (a run's read or write, a pending rotation's retry) for a permit of this
         * replica's budget; a call whose permit would come later fails at once and the run defers its row. Counted in the
         * store's worst case once per attempt, which the refresh lease must cover. Key
         * {@code refresher.token-store.key-vault.scheduled-max-permit-wait}, default {@code 5s}: at the default
         * concurrency (64 refreshes in flight) a run's whole queue of permits fits in it down to 13 requests/s per vault.
         */
        @WithDefault("5s")
        Duration scheduledMaxPermitWait();

        /**
         * Longest wait of an on-demand call (anything a tenant or operator asks for: registrations, reconnects,
         * disconnects, access tokens, webhook secrets, vault moves) for a permit of this replica's budget; past it the
         * call fails at once and the caller gets 503 {@code vault-budget} with {@code Retry-After}. At most
         * {@code scheduled-max-permit-wait}. Key {@code refresher.token-store.key-vault.on-demand-max-permit-wait},
         * default {@code 2s}.
         */
        @WithDefault("2s")
        Duration onDemandMaxPermitWait();

        /**
         * The share of this replica's requests per second to a vault that on-demand calls may take; scheduled refreshes
         * always have the rest, and all of it while nobody asks on demand. Key
         * {@code refresher.token-store.key-vault.on-demand-share}, default {@code 0.5}.
         */
        @WithDefault("0.5")
        @DecimalMin(value = "0", inclusive = false)
        @DecimalMax("1")
        double onDemandShare();

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
         * Longest wait for a TCP connection to the vault, never more than {@code request-timeout}. Key
         * {@code refresher.token-store.key-vault.connect-timeout}, default {@code 5s}.
         */
        @WithDefault("5s")
        Duration connectTimeout();

        /**
         * How often a deletion is polled until Key Vault reports the secret soft-deleted, before it is purged; the
         * polls count in the attempt's {@code request-timeout}, so this must be shorter (checked at startup). Key
         * {@code refresher.token-store.key-vault.delete-poll-interval}, default {@code 250ms}.
         */
        @WithDefault("250ms")
        Duration deletePollInterval();

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
