package dev.oauthrefresher.access;

import java.util.Arrays;
import java.util.Optional;

/** What a tenant API key may do. A key acts only on its own tenant, whatever its scopes. */
public enum Scope {
    INTEGRATIONS_READ("integrations:read"),
    INTEGRATIONS_WRITE("integrations:write"),
    TOKENS_READ("tokens:read"),
    /** For the status webhooks API (issue 12); defined now so keys can be issued with it. */
    WEBHOOKS_WRITE("webhooks:write");

    /** The regular expression of one scope code, for request validation. */
    public static final String PATTERN = "^(integrations:read|integrations:write|tokens:read|webhooks:write)$";

    private final String code;

    Scope(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Optional<Scope> fromCode(String code) {
        return Arrays.stream(values()).filter(s -> s.code.equals(code)).findFirst();
    }
}
