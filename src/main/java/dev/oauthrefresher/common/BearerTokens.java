package dev.oauthrefresher.common;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Checks an {@code Authorization: Bearer ...} header against a set of accepted tokens. */
public final class BearerTokens {

    /** Shortest token production accepts: 32 bytes, 256 bits if random, out of reach of guessing. */
    public static final int MIN_PRODUCTION_BYTES = 32;

    /** What every value in {@code k8s/base/*.template.env} starts with; a token containing it was never replaced. */
    public static final String PLACEHOLDER = "REPLACE_ME";

    private BearerTokens() {
    }

    /**
     * Refuses, naming {@code key} but never the value, a token too short for production or still holding the
     * template's placeholder text.
     */
    public static void requireProductionStrength(String key, List<Secret> tokens) {
        for (Secret token : tokens) {
            requireNoPlaceholder(key, token);
            if (token.reveal().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_PRODUCTION_BYTES) {
                throw new IllegalStateException(key + " holds a token shorter than " + MIN_PRODUCTION_BYTES
                        + " bytes: use a random one of at least that length (e.g. openssl rand -hex 32)");
            }
        }
    }

    /** Refuses, naming {@code key} but never the value, a secret setting still holding the template's placeholder. */
    public static void requireNoPlaceholder(String key, Secret value) {
        if (value.reveal().toUpperCase(Locale.ROOT).contains(PLACEHOLDER)) {
            throw new IllegalStateException(key + " holds the placeholder " + PLACEHOLDER
                    + " from k8s/base/*.template.env: replace it with the real value");
        }
    }

    /**
     * True when the header carries one of {@code accepted}. Every candidate is compared in constant time
     * and all of them are compared, so timing tells neither which token nor how much of it matched.
     */
    public static boolean accepts(String authorizationHeader, List<Secret> accepted) {
        Optional<String> presented = bearerValue(authorizationHeader);
        if (presented.isEmpty() || accepted.isEmpty()) {
            return false;
        }
        boolean match = false;
        for (Secret token : accepted) {
            match |= token.matches(presented.get());
        }
        return match;
    }

    /** The token of a {@code Bearer} header, or empty for another scheme or an empty token. */
    public static Optional<String> bearerValue(String authorizationHeader) {
        if (authorizationHeader == null) {
            return Optional.empty();
        }
        String header = authorizationHeader.trim();
        if (header.length() < 7 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return Optional.empty();
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
