package dev.oauthrefresher.web;

import dev.oauthrefresher.common.RetryAfter;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Thrown by services to end a request with a specific problem; mapped by {@link ProblemExceptionMapper}.
 * The message is sent to the client, so it must never carry a secret.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String type;
    private final String title;
    private final Map<String, String> headers;
    private final List<Problem.Violation> violations;

    public ProblemException(int status, String type, String title, String detail) {
        this(status, type, title, detail, Map.of());
    }

    public ProblemException(int status, String type, String title, String detail, Map<String, String> headers) {
        this(status, type, title, detail, headers, List.of());
    }

    private ProblemException(int status, String type, String title, String detail, Map<String, String> headers,
            List<Problem.Violation> violations) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.headers = Map.copyOf(headers);
        this.violations = List.copyOf(violations);
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(404, "not-found", "Not Found", what);
    }

    public static ProblemException conflict(String what) {
        return new ProblemException(409, "conflict", "Conflict", what);
    }

    public static ProblemException badRequest(String what) {
        return new ProblemException(400, "invalid-request", "Bad Request", what);
    }

    /** The database did not answer (down, or no connection free in time): the caller should come back shortly. */
    public static ProblemException databaseUnavailable() {
        return new ProblemException(503, "database-unavailable", "Service Unavailable",
                "The database did not answer; nothing was done. Try again.", Map.of("Retry-After", "5"));
    }

    /**
     * The token store did not do what the request needed: {@code what} says what was not done. The caller logs
     * the cause ({@code TokenStoreException.describe}) before it throws this, so an operator sees why.
     */
    public static ProblemException tokenStoreUnavailable(String what) {
        return new ProblemException(503, "token-store-unavailable", "Service Unavailable",
                "The token store " + what + ". Try again.", Map.of("Retry-After", "5"));
    }

    /**
     * This replica's Key Vault budget had no permit for the request within its bound (the store's
     * {@code VaultBudgetExhaustedException}); nothing was done. {@code retryAfter} is when a permit would be in reach.
     */
    public static ProblemException vaultBudgetExhausted(Duration retryAfter) {
        long seconds = RetryAfter.seconds(retryAfter);
        return new ProblemException(503, "vault-budget", "Service Unavailable",
                "This replica's Key Vault request budget has no room for this request now "
                        + "(refresher.token-store.key-vault.on-demand-share); nothing was done. Retry after " + seconds + " s.",
                Map.of("Retry-After", Long.toString(seconds)));
    }

    /** A 400 naming the one field whose value the service refuses, as validation names fields. */
    public static ProblemException invalidField(String field, String message) {
        return new ProblemException(400, "invalid-request", "Bad Request", field + ": " + message, Map.of(),
                List.of(new Problem.Violation(field, message)));
    }

    public static ProblemException unauthorized() {
        return new ProblemException(401, "unauthorized", "Unauthorized", "Missing or invalid credentials.",
                Map.of("WWW-Authenticate", "Bearer"));
    }

    public Problem toProblem() {
        return Problem.of(status, type, title, getMessage()).withViolations(violations);
    }

    /** The problem's type slug, e.g. {@code not-found}. */
    public String type() {
        return type;
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
