package dev.oauthrefresher.keyring;

import dev.oauthrefresher.common.Secret;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The key ring that seals tokens in PostgreSQL: {@code refresher.keyring.*}. The ring itself is checked at startup by
 * {@link Ring}, which names the offending key. The previous release's single key stays accepted under its own name
 * ({@link LegacyKeyConfig}).
 */
@ConfigMapping(prefix = "refresher.keyring")
public interface KeyRingConfig {

    /** Where the ring's keys come from. */
    enum Source {
        /** Key Vault with the Key Vault token store; otherwise {@code file} if set, else {@code config}. */
        AUTO,
        /** The Key Vault secret {@code key-vault-secret}, in the vault named {@code default}. */
        KEY_VAULT,
        /** The JSON document in {@code file} (a mounted Kubernetes Secret). */
        FILE,
        /** {@code current} and {@code keys.<id>} in configuration: for dev mode and tests. */
        CONFIG
    }

    /**
     * Where the ring's keys come from: {@code key-vault}, {@code file}, {@code config}, or {@code auto} (Key Vault with the
     * Key Vault token store, otherwise {@code file} if it is set, otherwise {@code config}). Key
     * {@code refresher.keyring.source}, default {@code auto}.
     */
    @WithDefault("auto")
    Source source();

    /**
     * The Key Vault secret holding the ring as JSON, {@code {"current":"<id>","keys":{"<id>":"<base64 of 32 bytes>"}}},
     * in the vault named {@code default}; names start with {@code oauth-refresher-}. Key
     * {@code refresher.keyring.key-vault-secret}, default {@code oauth-refresher-keyring}.
     */
    @WithDefault("oauth-refresher-keyring")
    String keyVaultSecret();

    /**
     * A file holding the ring as the same JSON document (a mounted Kubernetes Secret), for the file source. Key
     * {@code refresher.keyring.file}, no default.
     */
    Optional<Path> file();

    /** The id of the key new values are sealed with, for the config source. Key {@code refresher.keyring.current}, no default. */
    Optional<String> current();

    /**
     * The ring's keys by id for the config source (dev mode and tests): 32 random bytes each, base64. Key
     * {@code refresher.keyring.keys.<id>}, no default.
     */
    Map<String, Secret> keys();

    /**
     * How often the ring is read again from Key Vault or the file, so a key added or made current there reaches every
     * replica without a restart. Key {@code refresher.keyring.reload-interval}, default {@code 5m}.
     */
    @WithDefault("5m")
    Duration reloadInterval();

    /**
     * A value sealed with a key id this replica's ring lacks starts an early read of the ring, at most once per this
     * interval, so a replica that has not seen a new key yet learns it without waiting for {@code reload-interval}. Key
     * {@code refresher.keyring.reload-min-interval}, default {@code 30s}.
     */
    @WithDefault("30s")
    Duration reloadMinInterval();

    /**
     * How long a starting replica keeps reading the ring when Key Vault fails transiently (throttled, a timeout, a 5xx,
     * each after the store's own retries), with a backoff of 0.5 s doubling to 5 s, before the failure stops it; a
     * refusal (403, a malformed ring) stops it at once. Within the startup probe's 60 s. Key
     * {@code refresher.keyring.startup-wait}, default {@code 30s}.
     */
    @WithDefault("30s")
    Duration startupWait();

    /** The job that re-seals rows sealed with older keys. */
    Reseal reseal();

    interface Reseal {

        /**
         * How often a replica looks for rows sealed with a key other than the current one and re-seals them (one replica
         * at a time). Key {@code refresher.keyring.reseal.interval}, default {@code 1m}.
         */
        @WithDefault("1m")
        Duration interval();

        /**
         * Rows re-sealed per transaction; progress is recorded after each batch. Key
         * {@code refresher.keyring.reseal.batch-size}, default {@code 500}.
         */
        @WithDefault("500")
        @Min(1)
        @Max(5000)
        int batchSize();
    }
}
