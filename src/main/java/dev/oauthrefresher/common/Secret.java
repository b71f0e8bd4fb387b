package dev.oauthrefresher.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret value (token, client secret, signing key) that can be passed around but never printed:
 * {@link #toString()} redacts, so a secret that slips into a log line or an exception message shows
 * as {@code [redacted]}.
 */
public record Secret(String value) {

    public Secret {
        Objects.requireNonNull(value, "secret value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** Reveals the value; call only where it leaves the process for its intended recipient. */
    public String reveal() {
        return value;
    }

    public boolean isBlank() {
        return value.isBlank();
    }

    /** Constant-time comparison, so response timing does not leak how much of a guess was right. */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "[redacted]";
    }
}
