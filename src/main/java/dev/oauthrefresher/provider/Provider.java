package dev.oauthrefresher.provider;

import java.util.Arrays;
import java.util.Locale;

/** The kind of OAuth provider an integration is with; decides defaults such as Google's token endpoint. */
public enum Provider {
    GOOGLE,
    MICROSOFT,
    OAUTH2;

    /** The lowercase name used in the database, the API and configuration. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Provider fromCode(String code) {
        return Arrays.stream(values())
                .filter(p -> p.code().equals(code))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown provider '" + code + "'"));
    }
}
