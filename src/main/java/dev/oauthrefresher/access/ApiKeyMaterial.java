package dev.oauthrefresher.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Makes and hashes tenant API keys. A key is {@value #PREFIX} followed by 256 random bits in base64url, so a
 * leaked key is recognisable in a secret scan. Only its SHA-256 is stored: for a key with 256 bits of entropy a
 * fast unsalted hash is as strong as a slow one, and it lets a lookup find the key by an indexed equality.
 */
final class ApiKeyMaterial {

    static final String PREFIX = "orf_live_";
    private static final int RANDOM_BYTES = 32;
    /** base64url of 32 bytes without padding. */
    private static final int ENCODED_LENGTH = 43;

    private ApiKeyMaterial() {
    }

    /**
     * A new key. The generator is made per call (keys are rare), never held in a static field: a native build
     * initialises classes at build time and would freeze a static generator's seed into the image.
     */
    static String generate() {
        byte[] bytes = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether a presented bearer value has a key's shape; anything else is refused without a database read. */
    static boolean looksLikeKey(String presented) {
        return presented.length() == PREFIX.length() + ENCODED_LENGTH && presented.startsWith(PREFIX);
    }

    static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
