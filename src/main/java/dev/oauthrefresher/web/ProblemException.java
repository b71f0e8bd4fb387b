package dev.oauthrefresher.web;

import dev.oauthrefresher.common.RetryAfter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Thrown by services to end a request with one problem of the {@link ProblemType catalog} and its detail; mapped by
 * {@link ProblemExceptionMapper}. A retryable problem carries {@code Retry-After}: the catalog's, or the wait the
 * thrower knows. The detail is sent to the client, so it must never carry a secret.
 */
public class ProblemException extends RuntimeException {

    private final ProblemType type;
    private final int status;
    private final String title;
    private final Map<String, String> headers;
    private final List<Problem.Violation> violations;

    /** {@code type} with its detail, and the catalog's {@code Retry-After} when it is retryable. */
    public ProblemException(ProblemType type, String detail) {
        this(type, detail, retryAfterHeader(type.defaultRetryAfter().orElse(null)), List.of());
    }

    /** A retryable {@code type} with its detail and the wait the thrower knows (whole seconds, rounded up). */
    public ProblemException(ProblemType type, String detail, Duration retryAfter) {
        this(type, detail, retryAfterHeader(requireRetryable(type, retryAfter)), List.of());
    }

    /** {@code type} with its detail and the fields it refuses. */
    public ProblemException(ProblemType type, String detail, List<Problem.Violation> violations) {
        this(type, detail, retryAfterHeader(type.defaultRetryAfter().orElse(null)), violations);
    }

    private ProblemException(ProblemType type, String detail, Map<String, String> headers,
            List<Problem.Violation> violations) {
        this(type, type.status(), type.title(), detail, headers, violations);
    }

    private ProblemException(ProblemType type, int status, String title, String detail, Map<String, String> headers,
            List<Problem.Violation> violations) {
        super(detail, null, false, false);
        this.type = type;
        this.status = status;
        this.title = title;
        this.headers = Map.copyOf(headers);
        this.violations = List.copyOf(violations);
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(ProblemType.NOT_FOUND, what);
    }

    public static ProblemException conflict(String what) {
        return new ProblemException(ProblemType.CONFLICT, what);
    }

    public static ProblemException badRequest(String what) {
        return new ProblemException(ProblemType.INVALID_REQUEST, what);
    }

    /** The database did not answer (down, or no connection free in time): the caller should come back shortly. */
    public static ProblemException databaseUnavailable() {
        return new ProblemException(ProblemType.DATABASE_UNAVAILABLE, "The database did not answer; nothing was done. Try again.");
    }

    /**
     * The token store did not do what the request needed: {@code what} says what was not done. The caller logs
     * the cause ({@code TokenStoreException.describe}) before it throws this, so an operator sees why.
     */
    public static ProblemException tokenStoreUnavailable(String what) {
        return new ProblemException(ProblemType.TOKEN_STORE_UNAVAILABLE, "The token store " + what + ". Try again.");
    }

    /**
     * This replica's Key Vault budget had no permit for the request within its bound (the store's
     * {@code VaultBudgetExhaustedException}); nothing was done. {@code retryAfter} is when a permit would be in reach.
     */
    public static ProblemException vaultBudgetExhausted(Duration retryAfter) {
        long seconds = RetryAfter.seconds(retryAfter);
        return new ProblemException(ProblemType.VAULT_BUDGET, "This replica's Key Vault request budget has no room for "
                + "this request now (refresher.token-store.key-vault.on-demand-share); nothing was done. Retry after "
                + seconds + " s.", retryAfter);
    }

    /** A 400 naming the one field whose value the service refuses, as validation names fields. */
    public static ProblemException invalidField(String field, String message) {
        return new ProblemException(ProblemType.INVALID_REQUEST, field + ": " + message,
                List.of(new Problem.Violation(field, message)));
    }

    public static ProblemException unauthorized() {
        return new ProblemException(ProblemType.UNAUTHORIZED, "Missing or invalid credentials.")
                .withHeader("WWW-Authenticate", "Bearer");
    }

    /**
     * The same problem, answered with another status and title and more headers, for a caller whose protocol reads
     * the status: QStash stops retrying only on 489 with its own header.
     */
    public ProblemException answeredAs(int otherStatus, String otherTitle, Map<String, String> moreHeaders) {
        return new ProblemException(type, otherStatus, otherTitle, getMessage(), merged(moreHeaders), violations);
    }

    private ProblemException withHeader(String name, String value) {
        return new ProblemException(type, status, title, getMessage(), merged(Map.of(name, value)), violations);
    }

    private Map<String, String> merged(Map<String, String> moreHeaders) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.putAll(moreHeaders);
        return all;
    }

    private static Duration requireRetryable(ProblemType type, Duration retryAfter) {
        if (!type.retryable()) {
            throw new IllegalArgumentException("Problem " + type.slug() + " is not retryable: it carries no Retry-After");
        }
        return retryAfter;
    }

    private static Map<String, String> retryAfterHeader(Duration retryAfter) {
        return retryAfter == null ? Map.of() : Map.of("Retry-After", Long.toString(RetryAfter.seconds(retryAfter)));
    }

    public Problem toProblem() {
        return Problem.of(status, type.slug(), title, getMessage()).withViolations(violations);
    }

    /** The problem's type slug, e.g. {@code not-found}. */
    public String type() {
        return type.slug();
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
