package dev.oauthrefresher.web;

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

    public ProblemException(int status, String type, String title, String detail) {
        this(status, type, title, detail, Map.of());
    }

    public ProblemException(int status, String type, String title, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.headers = Map.copyOf(headers);
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

    public static ProblemException unauthorized() {
        return new ProblemException(401, "unauthorized", "Unauthorized", "Missing or invalid credentials.",
                Map.of("WWW-Authenticate", "Bearer"));
    }

    public Problem toProblem() {
        return Problem.of(status, type, title, getMessage());
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
