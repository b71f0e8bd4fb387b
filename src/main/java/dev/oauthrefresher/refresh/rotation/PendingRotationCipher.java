package dev.oauthrefresher.refresh.rotation;

import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStoreConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Seals a pending rotation's tokens for {@code pending_rotation} with AES-256-GCM: a random 12-byte nonce per
 * row, the integration id as additional authenticated data (a sealed row cannot be moved to another integration),
 * the key from {@code refresher.refresh.pending-rotation-key}. In production with Key Vault the key is
 * required, so startup fails without it; elsewhere a missing key is replaced by a random one for this process
 * only (rows it seals cannot be opened by another process).
 *
 * <p>The one sealing of refresh tokens in PostgreSQL: the revocation queue ({@code revocation/}) seals a disconnected
 * grant's tokens with it too, under the same key, so one key and one format cover every token the database holds,
 * and a pending rotation's sealed bytes can be queued for revocation as they are.
 */
@Singleton
public class PendingRotationCipher {

    static final String KEY = "refresher.refresh.pending-rotation-key";

    private static final Logger LOG = Logger.getLogger(PendingRotationCipher.class);
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    // Per instance, never static: Quarkus initialises classes while building a native executable, and a static
    // generator would be frozen into the image with its seed (every pod would then draw the same nonces).
    private final SecureRandom random = new SecureRandom();
    private final SecretKeySpec key;
    private final String keyId;

    @Inject
    PendingRotationCipher(RefreshConfig config, TokenStoreConfig tokenStore) {
        this(config.pendingRotationKey(), tokenStore.kind(), LaunchMode.current());
    }

    PendingRotationCipher(Optional<Secret> configured, TokenStoreConfig.Kind store, LaunchMode mode) {
        byte[] raw;
        if (configured.isPresent()) {
            raw = decode(configured.get());
        } else if (mode == LaunchMode.NORMAL && store == TokenStoreConfig.Kind.KEY_VAULT) {
            throw new ConfigurationException(KEY + " is required in production with the Key Vault token store: "
                    + "without it a rotated refresh token the vault refused could not outlive this process. "
                    + "Set it to 32 random bytes, base64 (openssl rand -base64 32), from a Kubernetes Secret.", Set.of(KEY));
        } else {
            raw = new byte[32];
            random.nextBytes(raw);
            LOG.warnf("%s is not set: pending rotations are sealed with a key of this process only", KEY);
        }
        this.key = new SecretKeySpec(raw, "AES");
        this.keyId = fingerprint(raw);
    }

    /** Which key seals rows here, as stored in {@code pending_rotation.key_id}. */
    public String keyId() {
        return keyId;
    }

    public byte[] seal(UUID integrationId, TokenSet tokens) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] plain = document(tokens).getBytes(StandardCharsets.UTF_8);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad(integrationId));
            byte[] sealed = cipher.doFinal(plain);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    /** The tokens, or empty if this key did not seal them or the row was altered. */
    public Optional<TokenSet> open(UUID integrationId, byte[] sealed) {
        if (sealed.length <= NONCE_BYTES) {
            return Optional.empty();
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(aad(integrationId));
            byte[] plain = cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
            return Optional.of(tokens(new JsonObject(new String(plain, StandardCharsets.UTF_8))));
        } catch (GeneralSecurityException | RuntimeException e) {
            // the cause is dropped on purpose: it could describe the plaintext
            return Optional.empty();
        }
    }

    private static byte[] decode(Secret value) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(value.reveal());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(KEY + " must be base64 (openssl rand -base64 32)", Set.of(KEY));
        }
        if (raw.length != 32) {
            throw new ConfigurationException(KEY + " must decode to 32 bytes (AES-256), not " + raw.length, Set.of(KEY));
        }
        return raw;
    }

    private static String fingerprint(byte[] raw) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static byte[] aad(UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
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
                Instant.parse(json.getString("expires_at")), Optional.ofNullable(json.getString("scope")),
                json.getString("token_type"));
    }
}
