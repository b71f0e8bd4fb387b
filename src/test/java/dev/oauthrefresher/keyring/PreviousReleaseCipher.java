package dev.oauthrefresher.keyring;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.tokenstore.TokenSet;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The previous release's {@code refresh/rotation/PendingRotationCipher}, its sealing steps copied as they were (commit
 * 8dbb711): what its pods wrote into {@code pending_rotation} and {@code revocation}, and what they can open during a
 * rolling update. A fixture, so the test proves the new ring against the old code rather than against itself.
 */
final class PreviousReleaseCipher {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecureRandom random = new SecureRandom();
    private final SecretKeySpec key;
    private final String keyId;

    PreviousReleaseCipher(String base64Key) {
        byte[] raw = Base64.getDecoder().decode(base64Key);
        this.key = new SecretKeySpec(raw, "AES");
        this.keyId = fingerprint(raw);
    }

    /** What it wrote into {@code key_id}. */
    String keyId() {
        return keyId;
    }

    byte[] seal(UUID integrationId, TokenSet tokens) {
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

    Optional<TokenSet> open(UUID integrationId, byte[] sealed) {
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
            return Optional.empty();
        }
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
