package dev.oauthrefresher.keyring;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.NotSentException;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreConfig;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The one sealing of tokens in PostgreSQL (pending rotations, the revocation queue): AES-256-GCM under the ring's current
 * key, a random 96-bit nonce per value, the row's id (the integration's) as associated data, and the key id inside the
 * value ({@link SealedFormat}), so any key of the ring opens what it sealed. Older keys stay in the ring for opening until
 * {@link Reseal} has moved every row off them. While the previous release's key ({@code legacy}) is current, values are
 * sealed in its format, which that release's pods can still open during a rolling update (docs/UPGRADING.md).
 *
 * <p>The ring is read at startup ({@link KeyRingConfig#source()}); a source that can change (Key Vault, a mounted file) is
 * read again every {@code reload-interval}, and early (at most once per {@code reload-min-interval}, on a worker thread)
 * when a value names a key id the ring lacks, so a replica learns a new key before it must open values sealed with it.
 * Keys are never logged, measured, stored or printed: {@link #toString()} names key ids only.
 */
@Startup
@Singleton
public class KeyRing {

    private static final Logger LOG = Logger.getLogger(KeyRing.class);
    /** The first read's backoff starts here and doubles up to the cap: a startup detail, bounded by {@code startup-wait}. */
    private static final Duration FIRST_READ_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_FIRST_READ_BACKOFF = Duration.ofSeconds(5);

    /** A sealed value and the key id its row records ({@code key_id}). */
    public record Sealed(byte[] value, String keyId) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Sealed that && Arrays.equals(value, that.value) && keyId.equals(that.keyId);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(value) + keyId.hashCode();
        }

        @Override
        public String toString() {
            return "Sealed[" + value.length + " bytes, key " + keyId + "]";
        }
    }

    // Per instance, never static: Quarkus initialises classes while building a native executable, and a static
    // generator would be frozen into the image with its seed (every pod would then draw the same nonces).
    private final SecureRandom random = new SecureRandom();
    private final RingSource source;
    private final Optional<Secret> legacy;
    private final Duration reloadMinInterval;
    private final Executor reloads;
    private final Consumer<Ring> changed;
    private final AtomicLong lastEarlyReload = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean reloading = new AtomicBoolean();
    private volatile Ring ring;

    @Inject
    KeyRing(KeyRingConfig config, LegacyKeyConfig legacy, TokenStoreConfig store, TokenStore tokenStore, KeyRingMetrics metrics) {
        this(source(config, store.kind(), tokenStore), legacy.pendingRotationKey(),
                LaunchMode.current() != LaunchMode.NORMAL || store.kind() != TokenStoreConfig.Kind.KEY_VAULT,
                config.reloadMinInterval(), Infrastructure.getDefaultWorkerPool(), metrics::ring, config.startupWait());
    }

    KeyRing(RingSource source, Optional<Secret> legacy, boolean mayMakeUpKey, Duration reloadMinInterval, Executor reloads,
            Consumer<Ring> changed) {
        this(source, legacy, mayMakeUpKey, reloadMinInterval, reloads, changed, Duration.ZERO);
    }

    /**
     * @param mayMakeUpKey whether a process with no ring at all may seal with a random key of its own (dev mode, tests,
     *        the memory store); in production with Key Vault it may not, since its rows would open nowhere else
     */
    KeyRing(RingSource source, Optional<Secret> legacy, boolean mayMakeUpKey, Duration reloadMinInterval, Executor reloads,
            Consumer<Ring> changed, Duration startupWait) {
        this.source = source;
        this.legacy = legacy;
        this.reloadMinInterval = reloadMinInterval;
        this.reloads = reloads;
        this.changed = changed;
        this.ring = firstRead(source, legacy, startupWait).orElseGet(() -> madeUp(mayMakeUpKey));
        LOG.infof("Key ring from %s: keys %s, current %s", ring.origin(), ring.ids(), ring.current().id());
        changed.accept(ring);
    }

    /**
     * The ring's first read. A source that fails transiently (Key Vault throttled, timed out or answered 5xx, each after
     * the store's own retries, or the read not sent past its worst case on a slow start) is read again with a growing
     * backoff until {@code startupWait} has passed, then the failure stops the process: a vault's short outage during a
     * rollout delays the new pods instead of crash-looping them. A refusal (403, a malformed ring) stops it at once:
     * waiting would not change it.
     */
    private static Optional<Ring> firstRead(RingSource source, Optional<Secret> legacy, Duration startupWait) {
        long deadline = System.nanoTime() + startupWait.toNanos();
        Duration backoff = FIRST_READ_BACKOFF;
        while (true) {
            try {
                return source.read(legacy);
            } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
                // a read not sent past its deadline (a slow start) has nothing to protect: reading again is right
                boolean transientFailure = !(e instanceof TokenStoreException refused) || refused.isTransient()
                        || refused instanceof NotSentException;
                if (!transientFailure || System.nanoTime() + backoff.toNanos() > deadline) {
                    throw e;
                }
                LOG.warnf("Could not read the key ring yet (%s); reading it again in %d ms", TokenStoreException.describe(e),
                        backoff.toMillis());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_FIRST_READ_BACKOFF) > 0 ? MAX_FIRST_READ_BACKOFF
                        : backoff.multipliedBy(2);
            }
        }
    }

    private Ring madeUp(boolean allowed) {
        if (!allowed) {
            throw new ConfigurationException(RingSource.KEY_VAULT_SETTING + ": no key ring in Key Vault and no "
                    + Ring.LEGACY_SETTING + ": in production with the Key Vault store a rotated refresh token the vault "
                    + "refused could not outlive this process. Store a ring in the Key Vault secret it names "
                    + "(docs/OPERATIONS.md, \"Rotating the sealing keys\").", Set.of(RingSource.KEY_VAULT_SETTING));
        }
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        LOG.warn("No key ring is configured: tokens sealed in PostgreSQL use a key of this process only");
        return Ring.ephemeral(raw);
    }

    private static RingSource source(KeyRingConfig config, TokenStoreConfig.Kind store, TokenStore tokenStore) {
        KeyRingConfig.Source chosen = config.source();
        if (chosen == KeyRingConfig.Source.AUTO) {
            chosen = store == TokenStoreConfig.Kind.KEY_VAULT ? KeyRingConfig.Source.KEY_VAULT
                    : config.file().isPresent() ? KeyRingConfig.Source.FILE : KeyRingConfig.Source.CONFIG;
        }
        return switch (chosen) {
            case KEY_VAULT -> {
                if (store != TokenStoreConfig.Kind.KEY_VAULT) {
                    throw Ring.invalid("refresher.keyring.source", "key-vault needs refresher.token-store.kind=key-vault");
                }
                if (!config.keyVaultSecret().matches("oauth-refresher-[a-z0-9-]{1,100}")) {
                    throw Ring.invalid(RingSource.KEY_VAULT_SETTING, "must be 'oauth-refresher-' and lowercase letters, "
                            + "digits or dashes");
                }
                yield RingSource.keyVault(tokenStore, config.keyVaultSecret());
            }
            case FILE -> RingSource.file(config.file().orElseThrow(() -> Ring.invalid(RingSource.FILE_SETTING,
                    "is required with refresher.keyring.source=file")));
            default -> RingSource.config(config.keys(), config.current());
        };
    }

    /** Seals {@code tokens} for the row {@code id} under the current key. */
    public Sealed seal(UUID id, TokenSet tokens) {
        return seal(ring, id, document(tokens).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Seals a value a capability encodes itself (the access token beside an integration's row) for the row {@code id}
     * under the current key; the caller clears {@code plain} when it is done with it.
     */
    public Sealed sealBytes(UUID id, byte[] plain) {
        return seal(ring, id, plain);
    }

    /**
     * The plaintext of a value {@link #sealBytes} sealed for the row {@code id}.
     *
     * @throws SealedValueException.UnknownKeyId sealed with a key this ring lacks (an early re-read of the ring starts)
     * @throws SealedValueException.Tampered altered, truncated, or sealed for another row
     */
    public byte[] openBytes(UUID id, byte[] value) {
        return openBytes(ring, id, value);
    }

    private Sealed seal(Ring at, UUID id, byte[] plain) {
        Ring.Member key = at.current();
        byte[] value = key.legacy()
                ? SealedFormat.sealLegacy(random, key.key(), id, plain)
                : SealedFormat.sealV1(random, key.id(), key.key(), id, plain);
        return new Sealed(value, key.storedId());
    }

    /**
     * The tokens sealed for the row {@code id}.
     *
     * @throws SealedValueException.UnknownKeyId sealed with a key this ring lacks (an early re-read of the ring starts)
     * @throws SealedValueException.Tampered altered, truncated, or sealed for another row
     */
    public TokenSet open(UUID id, byte[] value) {
        byte[] plain = openBytes(ring, id, value);
        try {
            return tokens(new JsonObject(new String(plain, StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            // authentic but not a token document: nothing this service sealed; the cause could quote the plaintext
            throw new SealedValueException.Tampered(id);
        }
    }

    /**
     * Seals one secret value for the row {@code id} under the current key, as tokens are: a connect session's PKCE
     * verifier ({@code connect/}), so that the database holds no secret of the consent flow in clear either. Such rows
     * live minutes, so {@link Reseal} leaves them to expire rather than move them.
     */
    public Sealed seal(UUID id, Secret value) {
        return seal(ring, id, value.reveal().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The value {@link #seal(UUID, Secret)} sealed for the row {@code id}.
     *
     * @throws SealedValueException.UnknownKeyId sealed with a key this ring lacks (an early re-read of the ring starts)
     * @throws SealedValueException.Tampered altered, truncated, or sealed for another row
     */
    public Secret openSecret(UUID id, byte[] value) {
        byte[] plain = openBytes(ring, id, value);
        try {
            return Secret.of(new String(plain, StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** The same plaintext sealed again under the current key; the plaintext never leaves this method. */
    public Sealed reseal(UUID id, byte[] value) {
        Ring at = ring;
        byte[] plain = openBytes(at, id, value);
        try {
            return seal(at, id, plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private byte[] openBytes(Ring at, UUID id, byte[] value) {
        Optional<SealedFormat.Header> header = SealedFormat.header(value);
        Optional<Ring.Member> key = header.flatMap(h -> at.byId(h.keyId()));
        if (key.isPresent()) {
            Optional<byte[]> plain = SealedFormat.openV1(value, header.get(), key.get().key(), id);
            if (plain.isPresent()) {
                return plain.get();
            }
        }
        // a legacy value carries no key id, and its random nonce may begin like a version-1 header: the legacy key decides
        Optional<byte[]> legacyPlain = at.legacy().flatMap(l -> SealedFormat.openLegacy(value, l.key(), id));
        if (legacyPlain.isPresent()) {
            return legacyPlain.get();
        }
        if (header.isPresent() && key.isEmpty()) {
            reloadSoon();
            throw new SealedValueException.UnknownKeyId(id, header.get().keyId());
        }
        throw new SealedValueException.Tampered(id);
    }

    /** Every id a {@code key_id} column holds for values this ring opens (the legacy key's as the previous release wrote it). */
    public Set<String> keyIds() {
        return ring.storedIds();
    }

    /** The {@code key_id} of values sealed now. */
    public String currentKeyId() {
        return ring.current().storedId();
    }

    /** A {@code key_id} as people read it: {@code legacy} for the previous release's key, the id itself otherwise. */
    public String displayName(String storedKeyId) {
        return ring.byStoredId(storedKeyId).map(Ring.Member::id).orElse(storedKeyId);
    }

    /** Reads the ring again if its source can change; a ring that fails its checks is logged and the one in use kept. */
    @Scheduled(every = "${refresher.keyring.reload-interval}", delayed = "${refresher.keyring.reload-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reload() {
        if (!source.changes()) {
            return;
        }
        try {
            Optional<Ring> read = source.read(legacy);
            if (read.isEmpty()) {
                LOG.errorf("The key ring's source (%s) holds no ring any more; keeping keys %s, current %s", ring.origin(),
                        ring.ids(), ring.current().id());
                return;
            }
            Ring fresh = read.get();
            if (!fresh.sameAs(ring)) {
                ring = fresh;
                LOG.infof("Key ring read again from %s: keys %s, current %s", fresh.origin(), fresh.ids(), fresh.current().id());
                changed.accept(fresh);
            }
        } catch (ConfigurationException e) {
            LOG.errorf("The key ring read again is refused, keeping keys %s, current %s: %s", ring.ids(),
                    ring.current().id(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("Could not read the key ring again (%s); keeping keys %s, current %s", e.getClass().getSimpleName(),
                    ring.ids(), ring.current().id());
        }
    }

    /** An early {@link #reload()} on a worker thread, at most once per {@code reload-min-interval}. */
    private void reloadSoon() {
        if (!source.changes()) {
            return;
        }
        long now = System.nanoTime();
        long last = lastEarlyReload.get();
        if (last != Long.MIN_VALUE && now - last < reloadMinInterval.toNanos()) {
            return;
        }
        if (lastEarlyReload.compareAndSet(last, now) && reloading.compareAndSet(false, true)) {
            reloads.execute(() -> {
                try {
                    reload();
                } finally {
                    reloading.set(false);
                }
            });
        }
    }

    @Override
    public String toString() {
        return "KeyRing[" + ring + "]";
    }

    private static String document(TokenSet tokens) {
        JsonObject json = new JsonObject()
                .put("access_token", tokens.accessToken().reveal())
                .put("refresh_token", tokens.refreshToken().reveal())
                .put("expires_at", tokens.expiresAt().toString())
                .put("token_type", tokens.tokenType());
        tokens.scope().ifPresent(scope -> json.put("scope", scope));
        return json.encode();
    }

    private static TokenSet tokens(JsonObject json) {
        return new TokenSet(Secret.of(json.getString("access_token")), Secret.of(json.getString("refresh_token")),
                Timestamps.parseIso(json.getString("expires_at")), Optional.ofNullable(json.getString("scope")),
                json.getString("token_type"));
    }
}
