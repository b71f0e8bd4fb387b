package dev.oauthrefresher.integration;

import java.util.Arrays;
import java.util.Locale;

/**
 * Lifecycle of an integration. Only {@code ACTIVE} rows are refreshed. {@code EXPIRED} means the grant is
 * dead and the user must reconnect; {@code ERROR} means refreshes kept failing and an operator must look.
 */
public enum IntegrationStatus {
    ACTIVE,
    EXPIRED,
    ERROR;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static IntegrationStatus fromCode(String code) {
        return Arrays.stream(values())
                .filter(s -> s.code().equals(code))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown status '" + code + "'"));
    }
}
