package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.provider.RefreshResult.ClientRejected;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Transient;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The classification rules for a token endpoint's HTTP answer, from its real status, {@code Retry-After} header
 * and parsed OAuth error JSON ({@code {"error": ..., "error_description": ...}}, RFC 6749 section 5.2).
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
     * Classifies one answer; empty means a usable token response (HTTP 200 with an {@code access_token} and
     * well-typed optional members), which the oidc client then turns into tokens.
     */
    static Optional<RefreshResult> classify(int status, String retryAfterHeader, String body, Instant now) {
        Optional<JsonObject> json = parseObject(body);
        Optional<OAuthError> error = json.flatMap(OAuthError::from);
        if (status != 200) {
            return Optional.of(classifyError(status, error, retryAfterHeader, now));
        }
        if (json.isEmpty()) {
            return Optional.of(malformed(body == null || body.isBlank() ? "with an empty body" : "with a body that is not a JSON object"));
        }
        Optional<String> problem = successProblem(json.get());
        if (problem.isEmpty()) {
            return Optional.empty();
        }
        // some providers (GitHub, for one) answer errors with 200 and an OAuth error body
        if (error.isPresent() && !json.get().containsKey("access_token")) {
            return Optional.of(classifyError(status, error, retryAfterHeader, now));
        }
        return Optional.of(malformed(problem.get()));
    }

    /** See {@link RetryAfter#parse}: one reader of the header for the whole service. */
    static Optional<Duration> retryAfter(String header, Instant now) {
        return RetryAfter.parse(header, now);
    }

    /** Control characters out, cut to {@link RefreshResult#MAX_DESCRIPTION}. */
    static String clean(String text) {
        String flat = CONTROL.matcher(text).replaceAll(" ").trim();
        return flat.length() <= RefreshResult.MAX_DESCRIPTION
                ? flat
                : flat.substring(0, RefreshResult.MAX_DESCRIPTION - 3) + "...";
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
        return new Transient(Transient.httpCode(status), OptionalInt.of(status), retryAfter(retryAfterHeader, now), description);
    }

    private static Transient malformed(String problem) {
        return new Transient(Transient.MALFORMED_RESPONSE, OptionalInt.of(200), Optional.empty(), "HTTP 200 " + problem);
    }

    /** What makes a 200 body unusable, if anything. Types are checked so the oidc client cannot trip over them. */
    private static Optional<String> successProblem(JsonObject json) {
        Object accessToken = json.getValue("access_token");
        if (!(accessToken instanceof String token) || token.isBlank()) {
            return Optional.of("without an access_token");
        }
        for (String member : new String[] {"refresh_token", "scope", "token_type"}) {
            Object value = json.getValue(member);
            if (value != null && !(value instanceof String)) {
                return Optional.of("with a " + member + " that is not a string");
            }
        }
        Object expiresIn = json.getValue("expires_in");
        boolean readable = expiresIn == null || expiresIn instanceof Number
                || (expiresIn instanceof String text && DIGITS.matcher(text).matches());
        return readable ? Optional.empty() : Optional.of("with an expires_in that is not a number");
    }

    private static Optional<JsonObject> parseObject(String body) {
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
