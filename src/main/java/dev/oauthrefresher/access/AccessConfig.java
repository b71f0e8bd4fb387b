package dev.oauthrefresher.access;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;
import java.time.Duration;

/** Limits on tenant API keys and on failed authentication, and the per-tenant budget of blocking operations. */
@ConfigMapping(prefix = "refresher.access")
public interface AccessConfig {

    /**
     * Requests per second one tenant API key may make to {@code /v1/*} on one replica, with a burst of as many;
     * beyond it the answer is 429 with {@code Retry-After}. Key {@code refresher.access.rate-limit-per-key},
     * default {@code 100}.
     */
    @WithDefault("100")
    @Min(1)
    int rateLimitPerKey();

    /**
     * How precisely {@code lastUsedAt} is kept: a key's use is written at most once per this interval, so a busy
     * key does not cost a database write per request. Key {@code refresher.access.last-used-resolution},
     * default {@code 1m}.
     */
    @WithDefault("1m")
    Duration lastUsedResolution();

    /**
     * Blocking {@code /v1} operations (register, reconnect, disconnect; create, delete and rotate the secret of a
     * webhook endpoint: the calls that do Key Vault work) one tenant may start per second on one replica, all its keys
     * together, with a burst of as many; beyond it the answer is 429 {@code tenant-operation-budget} with
     * {@code Retry-After}. A tenant's budget is forgotten once it is full again. Key
     * {@code refresher.access.tenant-operations-per-second}, default {@code 5}.
     */
    @WithDefault("5")
    @Min(1)
    int tenantOperationsPerSecond();

    /**
     * Failed authentications (a tenant key or admin token that is not valid) this replica answers per second, all
     * callers together, with a burst of as many. Past it, a credential not known to be valid is refused with 429
     * {@code failed-auth-budget} and {@code Retry-After} before any database query, while keys that authenticated
     * within {@code valid-key-cache-ttl} keep working. Key {@code refresher.access.failed-authentications-per-second},
     * default {@code 10}.
     */
    @WithDefault("10")
    @Min(1)
    int failedAuthenticationsPerSecond();

    /**
     * How long a key that authenticated is accepted from this replica's memory (by its hash) without reading its row.
     * A key revoked on this replica is refused at once; on another replica it may still be accepted for this long, except
     * by the access-token read, whose one query checks the key's row too (and has a revoked key forgotten here). Key
     * {@code refresher.access.valid-key-cache-ttl}, default {@code 30s}; {@code 0s} reads the row on every request.
     */
    @WithDefault("30s")
    Duration validKeyCacheTtl();

    /**
     * How long a bearer value that is no valid key (unknown or revoked) is refused from this replica's memory (by its
     * hash) without a database query. A key never becomes valid after being refused (keys are random and revocation is
     * final), so this bounds memory, not correctness. Key {@code refresher.access.invalid-key-cache-ttl}, default
     * {@code 10m}.
     */
    @WithDefault("10m")
    Duration invalidKeyCacheTtl();

    /**
     * Most key hashes each of those two caches holds; past it the least useful are dropped. Key
     * {@code refresher.access.key-cache-max-entries}, default {@code 10000}.
     */
    @WithDefault("10000")
    @Min(1)
    int keyCacheMaxEntries();
}
