package dev.oauthrefresher.common;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret value (token, client secret, signing key) that can be passed around but never printed:
 * {@link #toString()} redacts, so a secret that slips into a log line or an exception message shows
 * as {@code [redacted]}, and Jackson refuses to write one, so a secret that slips into a response or a
 * stored JSON document fails the write instead of leaking (Jackson would otherwise write a record's components).
 */
@JsonSerialize(using = Secret.Refused.class)
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

    /** Fails every attempt to serialize a {@link Secret}; code that means to send one calls {@link #reveal()}. */
    public static final class Refused extends StdSerializer<Secret> {

        public Refused() {
            super(Secret.class);
        }

        @Override
        public void serialize(Secret secret, JsonGenerator generator, SerializerProvider provider) throws IOException {
            throw JsonMappingException.from(generator, "A Secret is never serialized; reveal() it where it is meant to go");
        }
    }
}
