package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.provider.RefreshResult.ClientRejected;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Refreshed;
import dev.oauthrefresher.provider.RefreshResult.Transient;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The classification rules for a token endpoint's HTTP answer, from its real status, {@code Retry-After} header
 * and body: a token response (RFC 6749 section 5.1) or an OAuth error ({@code {"error": ..., "error_description": ...}},
 * section 5.2).
 *
 * <p>A 200 that carries a token is always taken, even when another member is odd ({@code scope} as an array,
 * {@code expires_in: "3600s"}): a rotating provider has already spent the old refresh token, so refusing the
 * answer would lose the grant. The odd member is replaced by a safe value (a short expiry, no scope) and named in
 * {@link Refreshed#oddities()}.
 *
 * <p>An HTTP error that is neither {@code invalid_grant} nor a client error ({@code invalid_request},
 * {@code invalid_scope}, {@code unsupported_grant_type}, a 403 or 404 without a body...) is {@link Transient}:
 * it does not prove the grant dead, and expiring it would force the user to reconnect, which cannot be undone;
 * it does not prove the group's credentials wrong either. As a transient it is retried with backoff and turns
 * into {@code error}, visible and recoverable, once it persists past the pipeline's thresholds.
 */
final class TokenResponses {

    static final String INVALID_GRANT = "invalid_grant";
    static final String INVALID_CLIENT = "invalid_client";
    static final String UNAUTHORIZED_CLIENT = "unauthorized_client";

    /** What RFC 6749 allows in an error code, bounded; anything else is treated as no error code at all. */
    private static final Pattern ERROR_CODE = Pattern.compile("^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]{1,64}$");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}+");
    private static final Pattern DIGITS = Pattern.compile("^[0-9]{1,12}$");

    private TokenResponses() {
    }

    /**
     * A group's lifetimes for a token whose answer does not say one: {@code assumed} when there is no
     * {@code expires_in} (nor a JWT {@code exp}), {@code unreadable} when {@code expires_in} cannot be read.
     */
    record Lifetimes(Duration assumed, Duration unreadable) {

        static Lifetimes of(ProvidersConfig.Group settings) {
            return new Lifetimes(settings.assumedTokenLifetime(), settings.unreadableExpiryLifetime());
        }
    }

    /** Classifies one answer received at {@code now}; {@code lifetimes} dates a token whose answer does not. */
    static RefreshResult interpret(int status, String retryAfterHeader, String body, Instant now, Lifetimes lifetimes) {
        Optional<JsonObject> json = parseObject(body);
        Optional<OAuthError> error = json.flatMap(OAuthError::from);
        if (status != 200) {
            return classifyError(status, error, retryAfterHeader, now);
        }
        if (json.isEmpty()) {
            return malformed(body == null || body.isBlank() ? "with an empty body" : "with a body that is not a JSON object");
        }
        Optional<String> accessToken = nonBlankString(json.get(), "access_token");
        Optional<String> refreshToken = nonBlankString(json.get(), "refresh_token");
        if (accessToken.isEmpty() && refreshToken.isEmpty()) {
            // some providers (GitHub, for one) answer errors with 200 and an OAuth error body
            return error.isPresent() ? classifyError(status, error, retryAfterHeader, now) : malformed("without an access_token");
        }
        return tokens(json.get(), accessToken, refreshToken, now, lifetimes);
    }

    /** Control characters out, cut to {@link RefreshResult#MAX_DESCRIPTION}. */
    static String clean(String text) {
        String flat = CONTROL.matcher(text).replaceAll(" ").trim();
        return flat.length() <= RefreshResult.MAX_DESCRIPTION
                ? flat
                : flat.substring(0, RefreshResult.MAX_DESCRIPTION - 3) + "...";
    }

    private static Refreshed tokens(JsonObject json, Optional<String> accessToken, Optional<String> refreshToken, Instant now,
            Lifetimes lifetimes) {
        List<String> oddities = new ArrayList<>();
        if (accessToken.isEmpty()) {
            // a rotated refresh token without a usable access token: keep the refresh token, and make the row due at once
            oddities.add("access_token_missing");
        }
        if (json.containsKey("refresh_token") && refreshToken.isEmpty()) {
            oddities.add("refresh_token_unreadable");
        }
        Instant expiresAt = accessToken.isEmpty() ? now : expiry(json, accessToken.get(), now, lifetimes, oddities);
        Optional<String> scope = scope(json.getValue("scope"), oddities);
        Object type = json.getValue("token_type");
        if (type != null && !(type instanceof String)) {
            oddities.add("token_type_not_string");
        }
        String tokenType = type instanceof String text && !text.isBlank() ? text : "Bearer";
        return new Refreshed(Secret.of(accessToken.orElse("")), refreshToken.map(Secret::of), expiresAt, scope, tokenType,
                List.copyOf(oddities));
    }

    /** {@code expires_in}, else a JWT access token's {@code exp}, else the group's assumed lifetime. */
    private static Instant expiry(JsonObject json, String accessToken, Instant now, Lifetimes lifetimes, List<String> oddities) {
        Object expiresIn = json.getValue("expires_in");
        if (expiresIn instanceof Number n && n.longValue() >= 0) {
            return now.plusSeconds(n.longValue());
        }
        if (expiresIn instanceof String text && DIGITS.matcher(text.trim()).matches()) {
            return now.plusSeconds(Long.parseLong(text.trim()));
        }
        if (expiresIn != null) {
            oddities.add("expires_in_unreadable");
            return now.plus(lifetimes.unreadable());
        }
        return jwtExpiry(accessToken).orElseGet(() -> now.plus(lifetimes.assumed()));
    }

    private static Optional<String> scope(Object value, List<String> oddities) {
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String text) {
            return Optional.of(text).filter(s -> !s.isBlank());
        }
        if (value instanceof JsonArray array && array.stream().allMatch(String.class::isInstance)) {
            oddities.add("scope_array");
            List<String> scopes = new ArrayList<>();
            array.forEach(s -> scopes.add((String) s));
            return Optional.of(String.join(" ", scopes)).filter(s -> !s.isBlank());
        }
        oddities.add("scope_unreadable");
        return Optional.empty();
    }

    /** The {@code exp} claim of a JWT access token, read without verifying it: it only dates our own next refresh. */
    private static Optional<Instant> jwtExpiry(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            return claims.getValue("exp") instanceof Number exp ? Optional.of(Instant.ofEpochSecond(exp.longValue())) : Optional.empty();
        } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
            return Optional.empty();
        }
    }

    private static RefreshResult classifyError(int status, Optional<OAuthError> error, String retryAfterHeader, Instant now) {
        String code = error.map(OAuthError::code).orElse(null);
        // left uncut: ProviderGateway removes echoed secrets first, then cuts with clean()
        String description = error.map(OAuthError::describe).orElse("HTTP " + status + " without an OAuth error");
        if (INVALID_GRANT.equals(code)) {
            return new GrantRevoked(code, description, status);
        }
        if (INVALID_CLIENT.equals(code) || UNAUTHORIZED_CLIENT.equals(code)) {
            return new ClientRejected(code, description, status);
        }
        if (status == 401) {
            return new ClientRejected(code == null ? Transient.httpCode(status) : code, description, status);
        }
        return new Transient(Transient.httpCode(status), OptionalInt.of(status), RetryAfter.parse(retryAfterHeader, now), description);
    }

    private static Transient malformed(String problem) {
        return new Transient(Transient.MALFORMED_RESPONSE, OptionalInt.of(200), Optional.empty(), "HTTP 200 " + problem);
    }

    private static Optional<String> nonBlankString(JsonObject json, String member) {
        return json.getValue(member) instanceof String text && !text.isBlank() ? Optional.of(text) : Optional.empty();
    }

    /** The {@code id_token} member of a token response's body, if it has one (OpenID Connect Core section 3.1.3.3). */
    static Optional<String> idToken(String body) {
        return parseObject(body).flatMap(json -> nonBlankString(json, "id_token"));
    }

    /** The OAuth {@code error} code of an answer's body, if it is one (a bounded word, never other text of the body). */
    static Optional<String> errorCode(String body) {
        return parseObject(body).flatMap(OAuthError::from).map(OAuthError::code);
    }

    /** {@code body} as a JSON object, if it is one. */
    static Optional<JsonObject> parseObject(String body) {
        if (body == null || body.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new JsonObject(body));
        } catch (DecodeException | ClassCastException e) {
            return Optional.empty();
        }
    }

    /** The {@code error} and {@code error_description} members of an OAuth error body. */
    private record OAuthError(String code, Optional<String> description) {

        static Optional<OAuthError> from(JsonObject json) {
            if (!(json.getValue("error") instanceof String code) || !ERROR_CODE.matcher(code).matches()) {
                return Optional.empty();
            }
            Object description = json.getValue("error_description");
            return Optional.of(new OAuthError(code,
                    description instanceof String text && !text.isBlank() ? Optional.of(text) : Optional.empty()));
        }

        String describe() {
            return description.map(text -> code + ": " + text).orElse(code);
        }
    }
}
