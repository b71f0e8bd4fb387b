package dev.oauthrefresher.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What this replica learned about presented keys, by the key's SHA-256 only (never the key): which authenticated
 * recently, and as whom ({@code valid-key-cache-ttl}), and which are no valid key ({@code invalid-key-cache-ttl}).
 * Either answer spares a database query. Bounded Caffeine caches, built here rather than through quarkus-cache because
 * an entry is kept only for a definite answer (a database failure is none) and their settings are the access
 * capability's own ({@link AccessConfig}).
 *
 * <p>A key revoked on this replica is forgotten once the revocation commits ({@link ApiKeyRevoked}); a lookup that
 * read the row before that commit must not put it back, so an answer is remembered only if no revocation happened
 * since its lookup began ({@link #generation()}). On other replicas a revoked key stays valid for at most
 * {@code valid-key-cache-ttl} on every endpoint but the access-token read, whose one query checks the key's row as well
 * and, finding it revoked, has it forgotten here ({@link #forget(UUID)}): the endpoint that hands out tokens refuses a
 * revoked key on the next request on every replica, and the others keep the query this cache spares them.
 */
@ApplicationScoped
class KnownKeys {

    private final Cache<String, TenantKey> valid;
    private final Cache<String, Boolean> invalid;
    private final AtomicLong revocations = new AtomicLong();
    private final Map<String, Uni<SecurityIdentity>> lookups = new ConcurrentHashMap<>();

    KnownKeys(AccessConfig config) {
        this.valid = Caffeine.newBuilder().maximumSize(config.keyCacheMaxEntries())
                .expireAfterWrite(config.validKeyCacheTtl()).build();
        this.invalid = Caffeine.newBuilder().maximumSize(config.keyCacheMaxEntries())
                .expireAfterWrite(config.invalidKeyCacheTtl()).build();
    }

    /** The cache key of a presented value: its SHA-256 in hex. */
    static String hashOf(String presented) {
        return HexFormat.of().formatHex(ApiKeyMaterial.hash(presented));
    }

    /** The key {@code hash} stood for when it last authenticated here, if that was recent and it was not revoked since. */
    Optional<TenantKey> valid(String hash) {
        return Optional.ofNullable(valid.getIfPresent(hash));
    }

    /** Whether {@code hash} was found to be no valid key. */
    boolean isInvalid(String hash) {
        return invalid.getIfPresent(hash) != null;
    }

    /**
     * The answer of {@code lookup} for {@code hash}, shared by every caller that asks while it runs (Mutiny's memoize):
     * a fleet of workers presenting one key after a restart costs one query and one permit, not one each.
     */
    Uni<SecurityIdentity> lookUpOnce(String hash, Supplier<Uni<SecurityIdentity>> lookup) {
        return Uni.createFrom().deferred(() -> lookups.computeIfAbsent(hash, h -> Uni.createFrom().deferred(lookup::get)
                .onTermination().invoke(() -> lookups.remove(h))
                .memoize().indefinitely()));
    }

    /** Read before a lookup and passed back with its answer. */
    long generation() {
        return revocations.get();
    }

    void rememberValid(String hash, TenantKey key, long lookedUpAt) {
        valid.put(hash, key);
        if (revocations.get() != lookedUpAt) {
            // a revocation committed while the row was read: the answer may be stale, so it is not kept
            valid.invalidate(hash);
        }
    }

    void rememberInvalid(String hash) {
        invalid.put(hash, Boolean.TRUE);
    }

    /**
     * Forgets key {@code keyId}, found revoked by a query of this replica (another replica revoked it). A scan of the
     * bounded cache, run once per such discovery; a lookup in flight is not kept either.
     */
    void forget(UUID keyId) {
        revocations.incrementAndGet();
        valid.asMap().values().removeIf(key -> key.id().equals(keyId));
    }

    void revoked(@Observes(during = TransactionPhase.AFTER_SUCCESS) ApiKeyRevoked revoked) {
        revocations.incrementAndGet();
        valid.invalidate(HexFormat.of().formatHex(revoked.keyHash()));
    }

    /** A key's revocation, fired inside the revoking transaction and seen here once it commits. */
    record ApiKeyRevoked(byte[] keyHash) {
    }
}
