package dev.oauthrefresher.common;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Checks an {@code Authorization: Bearer ...} header against a set of accepted tokens. */
public final class BearerTokens {

    private BearerTokens() {
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
