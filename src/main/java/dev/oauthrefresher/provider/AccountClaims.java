package dev.oauthrefresher.provider;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Who consented: the {@code sub} and {@code email} claims of an ID token or a userinfo answer.
 *
 * @param email present only when the provider did not say it is unverified ({@code email_verified: false})
 */
public record AccountClaims(String subject, Optional<String> email) {

    /** Clock skew allowed on an ID token's {@code exp}. */
    private static final Duration SKEW = Duration.ofMinutes(5);

    /** The account's stable name for an integration: the verified email when there is one, else the subject. */
    public String externalAccount() {
        return email.orElse(subject);
    }

    /**
     * The claims of an ID token received straight from the token endpoint over TLS. Its signature is not checked:
     * OpenID Connect Core 1.0 section 3.1.3.7 (item 6) lets a client that got the ID token directly from the token
     * endpoint over TLS use the TLS server validation instead. The other checks of that section that need no
     * configuration are made: {@code aud} names this client, {@code exp} has not passed. Empty if the token is not
     * a readable JWT or fails them.
     */
    static Optional<AccountClaims> ofIdToken(String idToken, String clientId, Instant now) {
        String[] parts = idToken.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            Object aud = claims.getValue("aud");
            boolean forUs = clientId.equals(aud) || aud instanceof JsonArray list && list.contains(clientId);
            boolean live = claims.getValue("exp") instanceof Number exp
                    && Instant.ofEpochSecond(exp.longValue()).plus(SKEW).isAfter(now);
            return forUs && live ? of(claims) : Optional.empty();
        } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
            return Optional.empty();
        }
    }

    /** The claims of a JSON object (a userinfo answer, an ID token's payload); empty without a {@code sub}. */
    static Optional<AccountClaims> of(JsonObject claims) {
        if (!(claims.getValue("sub") instanceof String subject) || subject.isBlank() || subject.length() > 255) {
            return Optional.empty();
        }
        boolean unverified = Boolean.FALSE.equals(claims.getValue("email_verified"))
                || "false".equals(claims.getValue("email_verified"));
        Optional<String> email = claims.getValue("email") instanceof String text && !text.isBlank() && text.length() <= 320
                && !unverified ? Optional.of(text) : Optional.empty();
        return Optional.of(new AccountClaims(subject, email));
    }
}
