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

    private SealedFormat() {
    }

    /** A version-1 header read from a value: the key id it names, and where its nonce starts. */
    record Header(String keyId, int nonceAt) {
    }

    static byte[] sealV1(SecureRandom random, String keyId, SecretKeySpec key, UUID id, byte[] plain) {
        byte[] idBytes = keyId.getBytes(StandardCharsets.US_ASCII);
        byte[] header = ByteBuffer.allocate(2 + idBytes.length).put(VERSION_1).put((byte) idBytes.length).put(idBytes).array();
        byte[] nonce = nonce(random);
        byte[] sealed = gcm(Cipher.ENCRYPT_MODE, key, nonce, aad(header, id), plain, 0, plain.length);
        return ByteBuffer.allocate(header.length + NONCE_BYTES + sealed.length).put(header).put(nonce).put(sealed).array();
    }

    static byte[] sealLegacy(SecureRandom random, SecretKeySpec key, UUID id, byte[] plain) {
        byte[] nonce = nonce(random);
        byte[] sealed = gcm(Cipher.ENCRYPT_MODE, key, nonce, aad(new byte[0], id), plain, 0, plain.length);
        return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
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
        byte[] headerBytes = java.util.Arrays.copyOfRange(value, 0, header.nonceAt());
        byte[] nonce = java.util.Arrays.copyOfRange(value, header.nonceAt(), header.nonceAt() + NONCE_BYTES);
        int from = header.nonceAt() + NONCE_BYTES;
        return tryOpen(key, nonce, aad(headerBytes, id), value, from, value.length - from);
    }

    static Optional<byte[]> openLegacy(byte[] value, SecretKeySpec key, UUID id) {
        if (value.length < NONCE_BYTES + TAG_BYTES) {
            return Optional.empty();
        }
        byte[] nonce = java.util.Arrays.copyOfRange(value, 0, NONCE_BYTES);
        return tryOpen(key, nonce, aad(new byte[0], id), value, NONCE_BYTES, value.length - NONCE_BYTES);
    }

    private static Optional<byte[]> tryOpen(SecretKeySpec key, byte[] nonce, byte[] aad, byte[] value, int from, int length) {
        try {
            return Optional.of(gcm(Cipher.DECRYPT_MODE, key, nonce, aad, value, from, length));
        } catch (OpenFailed e) {
            return Optional.empty();
        }
    }

    private static byte[] gcm(int mode, SecretKeySpec key, byte[] nonce, byte[] aad, byte[] input, int from, int length) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(input, from, length);
        } catch (AEADBadTagException e) {
            throw new OpenFailed();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    private static byte[] nonce(SecureRandom random) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    private static byte[] aad(byte[] header, UUID id) {
        return ByteBuffer.allocate(header.length + 16).put(header)
                .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    }

    /** The tag did not verify; carries nothing. */
    private static final class OpenFailed extends RuntimeException {
        OpenFailed() {
            super(null, null, false, false);
        }
    }
}
