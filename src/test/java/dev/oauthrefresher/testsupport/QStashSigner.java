package dev.oauthrefresher.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints {@code Upstash-Signature} JWTs by hand (JDK HMAC, no JWT library), the way QStash signs requests, so
 * the verifier is tested against tokens it had no part in making. Every field can be bent to forge a case.
 */
public final class QStashSigner {

    /** QStash's published local-development signing keys: test values, not secrets. */
    public static final String CURRENT_KEY = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r";
    public static final String NEXT_KEY = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs";
    public static final String PUBLIC_URL = "https://refresher.example.test";

    private String alg = "HS256";
    private String key = CURRENT_KEY;
    private String issuer = "Upstash";
    private String subject;
    private Instant notBefore = Instant.now().minusSeconds(1);
    private Instant expires = Instant.now().plusSeconds(300);
    private String jti = "jwt_" + UUID.randomUUID();
    private String bodyHash;

    private QStashSigner(String task) {
        this.subject = PUBLIC_URL + "/cron/" + task;
    }

    public static QStashSigner forTask(String task) {
        return new QStashSigner(task);
    }

    public QStashSigner key(String k) {
        key = k;
        return this;
    }

    public QStashSigner alg(String a) {
        alg = a;
        return this;
    }

    public QStashSigner issuer(String i) {
        issuer = i;
        return this;
    }

    public QStashSigner subject(String s) {
        subject = s;
        return this;
    }

    public QStashSigner notBefore(Instant i) {
        notBefore = i;
        return this;
    }

    public QStashSigner expires(Instant i) {
        expires = i;
        return this;
    }

    public QStashSigner jti(String id) {
        jti = id;
        return this;
    }

    /** Signs a body hash of other bytes than the ones sent. */
    public QStashSigner hashOf(byte[] other) {
        bodyHash = hash(other, false);
        return this;
    }

    /** The hash with {@code =} padding, as some signers send it. */
    public QStashSigner paddedHashOf(byte[] body) {
        bodyHash = hash(body, true);
        return this;
    }

    public String sign(byte[] body) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuer);
        claims.put("sub", subject);
        claims.put("exp", expires.getEpochSecond());
        claims.put("nbf", notBefore.getEpochSecond());
        claims.put("iat", Instant.now().getEpochSecond());
        claims.put("jti", jti);
        claims.put("body", bodyHash != null ? bodyHash : hash(body, false));
        String header = b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");
        String payload = b64(toJson(claims));
        String signingInput = header + "." + payload;
        if (alg.equals("none")) {
            return signingInput + ".";
        }
        String macAlg = switch (alg) {
            case "HS512" -> "HmacSHA512";
            default -> "HmacSHA256";
        };
        return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(macAlg, signingInput));
    }

    private byte[] mac(String macAlg, String input) {
        try {
            Mac mac = Mac.getInstance(macAlg);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), macAlg));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hash(byte[] body, boolean padded) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            Base64.Encoder encoder = padded ? Base64.getUrlEncoder() : Base64.getUrlEncoder().withoutPadding();
            return encoder.encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String toJson(Map<String, Object> claims) {
        return claims.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":" + (e.getValue() instanceof String s ? "\"" + s + "\"" : e.getValue()))
                .collect(Collectors.joining(",", "{", "}"));
    }
}
