package dev.oauthrefresher.cron;

import dev.oauthrefresher.common.Secret;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.HmacKey;

/**
 * Verifies an {@code Upstash-Signature} exactly as QStash signs it: an HS256 JWT keyed with a signing key's
 * UTF-8 bytes (current key, then next key), issuer {@code Upstash}, subject the URL QStash called, and a
 * {@code body} claim holding base64url(SHA-256(raw body)). Only HS256 is permitted, so {@code alg: none}
 * and algorithm swaps fail. Replays are stopped separately by {@link SignatureReplayGuard}.
 */
@ApplicationScoped
public class QStashVerifier {

    /** What a valid signature proves: its unique id and until when it could be replayed. */
    public record Verified(String jti, Instant expiresAt) {
    }

    private final CronConfig config;

    QStashVerifier(CronConfig config) {
        this.config = config;
    }

    public boolean isConfigured() {
        return !config.signingKeys().isEmpty() && config.publicUrl().isPresent();
    }

    /** The verified claims, or empty for any invalid, expired, or foreign signature (no reason is given out). */
    public Optional<Verified> verify(String signature, byte[] body, String task) {
        if (signature == null || signature.isBlank() || !isConfigured()) {
            return Optional.empty();
        }
        String url = stripTrailingSlash(config.publicUrl().get().toString()) + "/cron/" + task;
        for (Secret key : config.signingKeys()) {
            Optional<JwtClaims> claims = validClaims(signature.trim(), key, url);
            if (claims.isPresent()) {
                return bodyMatches(claims.get(), body) ? identify(claims.get()) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    private Optional<JwtClaims> validClaims(String jwt, Secret key, String url) {
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.HMAC_SHA256)
                .setVerificationKey(new HmacKey(key.reveal().getBytes(StandardCharsets.UTF_8)))
                // QStash's keys are what they are: do not impose jose4j's 256-bit minimum on them.
                .setRelaxVerificationKeyValidation()
                .setRequireExpirationTime()
                .setRequireJwtId()
                .setAllowedClockSkewInSeconds((int) config.qstash().clockLeeway().toSeconds())
                .setExpectedIssuer("Upstash")
                .setExpectedSubject(url)
                .setSkipDefaultAudienceValidation()
                .build();
        try {
            return Optional.of(consumer.processToClaims(jwt));
        } catch (InvalidJwtException e) {
            return Optional.empty();
        }
    }

    private static boolean bodyMatches(JwtClaims claims, byte[] body) {
        Object claimed = claims.getClaimValue("body");
        if (!(claimed instanceof String hash)) {
            return false;
        }
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(body));
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                stripPadding(hash).getBytes(StandardCharsets.US_ASCII));
    }

    private static Optional<Verified> identify(JwtClaims claims) {
        try {
            return Optional.of(new Verified(claims.getJwtId(),
                    Instant.ofEpochSecond(claims.getExpirationTime().getValue())));
        } catch (MalformedClaimException e) {
            return Optional.empty();
        }
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String stripPadding(String value) {
        int end = value.length();
        while (end > 0 && value.charAt(end - 1) == '=') {
            end--;
        }
        return value.substring(0, end);
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
