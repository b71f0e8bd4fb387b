package dev.oauthrefresher.access;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a tenant API key may do. A key acts only on its own tenant, whatever its scopes. Each scope is a permission
 * of its key's identity: a resource method names the one it needs with
 * {@code @PermissionsAllowed(Scope.Codes.…)} ({@code integrations:read} is permission {@code integrations} with
 * action {@code read}).
 */
public enum Scope {
    INTEGRATIONS_READ(Codes.INTEGRATIONS_READ),
    INTEGRATIONS_WRITE(Codes.INTEGRATIONS_WRITE),
    TOKENS_READ(Codes.TOKENS_READ),
    WEBHOOKS_WRITE(Codes.WEBHOOKS_WRITE);

    /** The regular expression of one scope code, for request validation. */
    public static final String PATTERN = "^(integrations:read|integrations:write|tokens:read|webhooks:write)$";

    /** The codes as constants, for {@code @PermissionsAllowed} (an annotation takes no enum method). */
    public static final class Codes {
        public static final String INTEGRATIONS_READ = "integrations:read";
        public static final String INTEGRATIONS_WRITE = "integrations:write";
        public static final String TOKENS_READ = "tokens:read";
        public static final String WEBHOOKS_WRITE = "webhooks:write";

        private Codes() {
        }
    }

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
