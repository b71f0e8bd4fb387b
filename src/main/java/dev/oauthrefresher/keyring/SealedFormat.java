package dev.oauthrefresher.keyring;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The byte layouts of a sealed value (docs/SECURITY.md, "Sealed values"), AES-256-GCM with a 96-bit random nonce and a
 * 128-bit tag in both:
 * <ul>
 * <li><b>version 1</b>: {@code 0x01}, the key id's length (1 byte, 1..32), the key id (ASCII), the nonce (12 bytes),
 * ciphertext and tag. The associated data is the header (version, length, key id) followed by the 16 bytes of the row's
 * id, so neither the key id nor the row can be changed without the value failing to open.</li>
 * <li><b>legacy</b> (the previous release's {@code PendingRotationCipher}): the nonce, ciphertext and tag; the associated
 * data is the row id's 16 bytes. It carries no key id: only the legacy key opens it.</li>
 * </ul>
 */
final class SealedFormat {

    static final byte VERSION_1 = 0x01;
    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int TAG_BYTES = TAG_BITS / 8;
    /**
     * One cipher per thread, initialised anew for every value: {@code Cipher.getInstance} looks the provider up on every
     * call, and a fresh instance expands the AES key again; re-initialising GCM is safe as each seal draws a new nonce
     * (and the JDK refuses an encryption that repeats the last key and nonce). Created on first use, at run time: no
     * cipher is built into a native image.
     */
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(SealedFormat::newCipher);

    private SealedFormat() {
    }

    /** A version-1 header read from a value: the key id it names, and where its nonce starts. */
    record Header(String keyId, int nonceAt) {
    }

    static byte[] sealV1(SecureRandom random, String keyId, SecretKeySpec key, UUID id, byte[] plain) {
        byte[] idBytes = keyId.getBytes(StandardCharsets.US_ASCII);
        int headerBytes = 2 + idBytes.length;
        // one array for the whole value: the header and nonce go in first, the cipher writes the rest in place
        byte[] value = new byte[headerBytes + NONCE_BYTES + plain.length + TAG_BYTES];
        value[0] = VERSION_1;
        value[1] = (byte) idBytes.length;
        System.arraycopy(idBytes, 0, value, 2, idBytes.length);
        seal(random, key, id, value, headerBytes, plain);
        return value;
    }

    static byte[] sealLegacy(SecureRandom random, SecretKeySpec key, UUID id, byte[] plain) {
        byte[] value = new byte[NONCE_BYTES + plain.length + TAG_BYTES];
        seal(random, key, id, value, 0, plain);
        return value;
    }

    /** The header of a value that has the shape of version 1; empty for anything else (a legacy value, garbage). */
    static Optional<Header> header(byte[] value) {
        if (value.length < 2 || value[0] != VERSION_1) {
            return Optional.empty();
        }
        int length = value[1] & 0xff;
        if (length < 1 || length > 32 || value.length < 2 + length + NONCE_BYTES + TAG_BYTES) {
            return Optional.empty();
        }
        String keyId = new String(value, 2, length, StandardCharsets.US_ASCII);
        return Ring.ID.matcher(keyId).matches() ? Optional.of(new Header(keyId, 2 + length)) : Optional.empty();
    }

    /** The plaintext, or empty if {@code key} did not seal this value for {@code id}. */
    static Optional<byte[]> openV1(byte[] value, Header header, SecretKeySpec key, UUID id) {
        return open(key, id, value, header.nonceAt());
    }

    static Optional<byte[]> openLegacy(byte[] value, SecretKeySpec key, UUID id) {
        if (value.length < NONCE_BYTES + TAG_BYTES) {
            return Optional.empty();
        }
        return open(key, id, value, 0);
    }

    /**
     * Draws a nonce into {@code value} at {@code nonceAt} and writes {@code plain}'s ciphertext and tag after it; the
     * associated data is everything before the nonce (the header, if any) and the row's id.
     */
    private static void seal(SecureRandom random, SecretKeySpec key, UUID id, byte[] value, int nonceAt, byte[] plain) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, value, nonceAt, NONCE_BYTES);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, value, nonceAt, id);
            cipher.doFinal(plain, 0, plain.length, value, nonceAt + NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            // also what GCM answers if a nonce ever came again under the same key: refusing to seal is right then
            throw new IllegalStateException("AES-GCM failed to seal", e);
        }
    }

    private static Optional<byte[]> open(SecretKeySpec key, UUID id, byte[] value, int nonceAt) {
        int from = nonceAt + NONCE_BYTES;
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, value, nonceAt, id);
            return Optional.of(cipher.doFinal(value, from, value.length - from));
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    /** This thread's cipher, initialised for one value whose nonce is at {@code nonceAt}, its associated data given. */
    private static Cipher cipher(int mode, SecretKeySpec key, byte[] value, int nonceAt, UUID id)
            throws GeneralSecurityException {
        Cipher cipher = CIPHERS.get();
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, value, nonceAt, NONCE_BYTES));
        if (nonceAt > 0) {
            cipher.updateAAD(value, 0, nonceAt);
        }
        cipher.updateAAD(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits())
                .array());
        return cipher;
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }
}
