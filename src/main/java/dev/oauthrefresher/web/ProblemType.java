package dev.oauthrefresher.web;

import java.time.Duration;
import java.util.Optional;

/**
 * The catalog of problems this service answers with: each one's type (the slug after
 * {@code urn:oauth-refresher:problem:}, which clients switch on), status, title and, for a problem worth retrying,
 * the {@code Retry-After} it carries when the caller has no better figure. A {@link ProblemException} is always one
 * of these with its own detail. Only the framework's own refusals (no such route, a method or media type a resource
 * does not take) are named after their status by {@link RequestProblemMappers#framework}.
 */
public enum ProblemType {

    INVALID_REQUEST("invalid-request", 400, "Bad Request"),
    UNAUTHORIZED("unauthorized", 401, "Unauthorized"),
    /** Dev mode only: the sandbox's demo webhook receiver could not verify a delivery's signature. */
    BAD_WEBHOOK_SIGNATURE("bad-webhook-signature", 401, "Unauthorized"),
    FORBIDDEN("forbidden", 403, "Forbidden"),
    /** A tenant key without the scope an endpoint needs; the detail names the scope. */
    MISSING_SCOPE("missing-scope", 403, "Forbidden"),
    NOT_FOUND("not-found", 404, "Not Found"),
    /** A cron trigger for a task no one registered. */
    UNKNOWN_TASK("unknown-task", 404, "Not Found"),
    CONFLICT("conflict", 409, "Conflict"),
    /** A QStash message whose run is still going: its retry finds the run's outcome. */
    RUN_IN_PROGRESS("run-in-progress", 409, "Conflict", Duration.ofSeconds(30)),
    /**
     * A rotated refresh token the token store has not taken yet, held by a live replica: the change waits until it is
     * stored or the holder's lease lapses (the answer says how long).
     */
    ROTATION_PENDING("rotation-pending", 409, "Conflict", Duration.ofSeconds(5)),
    /** A vault move of the same tenant is still running (one per tenant at a time, across replicas). */
    VAULT_MOVE_IN_PROGRESS("vault-move-in-progress", 409, "Conflict"),
    PAYLOAD_TOO_LARGE("payload-too-large", 413, "Payload Too Large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415, "Unsupported Media Type"),
    /** The grant is revoked or expired: the user must consent again. */
    RECONNECT_REQUIRED("reconnect-required", 424, "Failed Dependency"),
    /** The integration is in error, or has no stored tokens: it needs new tokens or the operator. */
    INTEGRATION_ERROR("integration-error", 424, "Failed Dependency"),
    /** An API key past its request rate. */
    RATE_LIMITED("rate-limited", 429, "Too Many Requests", Duration.ofSeconds(1)),
    /** A tenant past its on-demand refreshes per second on this replica. */
    TENANT_REFRESH_BUDGET("tenant-refresh-budget", 429, "Too Many Requests", Duration.ofSeconds(1)),
    /** A webhook endpoint past its test and replay sends per window. */
    WEBHOOK_MANUAL_SEND_BUDGET("webhook-manual-send-budget", 429, "Too Many Requests", Duration.ofSeconds(60)),
    /** A tenant past its blocking /v1 operations per second on this replica. */
    TENANT_OPERATION_BUDGET("tenant-operation-budget", 429, "Too Many Requests", Duration.ofSeconds(1)),
    /** This replica refused more credentials than its failed-authentication budget allows; unseen ones wait. */
    FAILED_AUTH_BUDGET("failed-auth-budget", 429, "Too Many Requests", Duration.ofSeconds(1)),
    /** A triggered run failed; it is recorded and logged, and a retry would not fix it. */
    RUN_FAILED("run-failed", 500, "Internal Server Error"),
    /** The database did not answer (down, or no connection free in time); nothing was done. */
    DATABASE_UNAVAILABLE("database-unavailable", 503, "Service Unavailable", Duration.ofSeconds(5)),
    /** The token store did not do what the request needed. */
    TOKEN_STORE_UNAVAILABLE("token-store-unavailable", 503, "Service Unavailable", Duration.ofSeconds(5)),
    /** This replica's Key Vault budget had no permit for the request within its bound; nothing was sent. */
    VAULT_BUDGET("vault-budget", 503, "Service Unavailable", Duration.ofSeconds(1)),
    /** No token to hand out now: the provider failed, the integration backs off, or a refresh is still going. */
    TOKEN_UNAVAILABLE("token-unavailable", 503, "Service Unavailable", Duration.ofSeconds(5)),
    /** A token read that could not be audited, so no token is returned. */
    AUDIT_UNAVAILABLE("audit-unavailable", 503, "Service Unavailable", Duration.ofSeconds(5)),
    /** The integration is being refreshed, or changed while the request held it. */
    INTEGRATION_BUSY("integration-busy", 503, "Service Unavailable", Duration.ofSeconds(5)),
    /** This replica is draining; another one takes the retry. */
    SHUTTING_DOWN("shutting-down", 503, "Service Unavailable", Duration.ofSeconds(5));

    private final String slug;
    private final int status;
    private final String title;
    private final Optional<Duration> retryAfter;

    ProblemType(String slug, int status, String title) {
        this(slug, status, title, null);
    }

    ProblemType(String slug, int status, String title, Duration retryAfter) {
        this.slug = slug;
        this.status = status;
        this.title = title;
        this.retryAfter = Optional.ofNullable(retryAfter);
    }

    /** The slug clients switch on, e.g. {@code not-found}. */
    public String slug() {
        return slug;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** Whether the same request may succeed later; such an answer always carries {@code Retry-After}. */
    public boolean retryable() {
        return retryAfter.isPresent();
    }

    /** The {@code Retry-After} to send when the caller has no better figure; empty for a problem not worth retrying. */
    public Optional<Duration> defaultRetryAfter() {
        return retryAfter;
    }
}
