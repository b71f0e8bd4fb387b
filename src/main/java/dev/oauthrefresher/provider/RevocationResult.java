package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.RetryAfter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Every way a revocation request (RFC 7009, or Google's endpoint) can end, as one closed type. No variant carries the
 * token, the client secret or any text of the answer's body: a reason is an HTTP status, an OAuth error code (a bounded
 * word) or a transport failure's kind, since a provider may echo the token it was sent.
 */
public sealed interface RevocationResult {

    /** The endpoint took it (RFC 7009 answers 200 also for a token that was already invalid). */
    record Revoked() implements RevocationResult {
    }

    /** The token was already dead: Google answers {@code 400 invalid_token} for a revoked or expired one. */
    record AlreadyInvalid(String errorCode) implements RevocationResult {
    }

    /**
     * Worth asking again later: 408, 429, 5xx, a rejected client (an operator may fix the group's credentials), a
     * timeout or a transport failure. {@code retryAfter} is the endpoint's {@code Retry-After} when it sent one.
     */
    record Retry(String reason, Optional<Duration> retryAfter) implements RevocationResult {
    }

    /** Asking again would get the same answer (another 4xx, such as {@code unsupported_token_type}), or nothing is configured. */
    record Refused(String reason) implements RevocationResult {
    }

    /**
     * The OAuth error codes a reason may name (RFC 6749 section 5.2, RFC 7009 section 2.2.1); any other is
     * {@code other_error}. RFC 6749 lets an error code be almost any printable text, so a provider could put the token it
     * was sent there: only a word from this closed list ever reaches a log line or the queue's {@code last_error}.
     */
    Set<String> KNOWN_ERRORS = Set.of("invalid_token", "invalid_grant", "invalid_client", "invalid_request",
            "unauthorized_client", "unsupported_token_type", "access_denied", "server_error", "temporarily_unavailable");

    /** Classifies one HTTP answer of a revocation endpoint. */
    static RevocationResult interpret(int status, String retryAfterHeader, String body, Instant now) {
        if (status >= 200 && status < 300) {
            return new Revoked();
        }
        Optional<String> error = TokenResponses.errorCode(body).map(code -> KNOWN_ERRORS.contains(code) ? code : "other_error");
        String reason = "http_" + status + error.map(code -> " " + code).orElse("");
        if (status == 400 && error.filter(code -> code.equals("invalid_token") || code.equals("invalid_grant")).isPresent()) {
            return new AlreadyInvalid(error.get());
        }
        if (status == 408 || status == 429 || status >= 500 || status == 401 || status == 403
                || error.filter(code -> code.equals("invalid_client")).isPresent()) {
            return new Retry(reason, RetryAfter.parse(retryAfterHeader, now));
        }
        return new Refused(reason);
    }
}
