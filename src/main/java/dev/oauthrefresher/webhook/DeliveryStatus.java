package dev.oauthrefresher.webhook;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** A delivery is pending (due, waiting for its retry, or in flight) until it succeeds or goes dead. */
public enum DeliveryStatus {
    PENDING,
    SUCCEEDED,
    DEAD;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DeliveryStatus> fromCode(String code) {
        return Arrays.stream(values()).filter(s -> s.code().equals(code)).findFirst();
    }
}
