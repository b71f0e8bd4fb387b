package dev.oauthrefresher.tokenstore;

import java.time.Duration;
import java.util.Optional;

/**
 * A token store operation failed. The message names the secret and the cause class, never a token.
 * {@code retryAfter} is set when the store asked to be called later (throttling).
 */
public class TokenStoreException extends RuntimeException {

    private final boolean transientFailure;
    private final Duration retryAfter;
    private final boolean mayHaveApplied;

    public TokenStoreException(String message, boolean transientFailure, Duration retryAfter) {
        this(message, transientFailure, retryAfter, null);
    }

    /** With the failure underneath; pass only a cause whose message carries no token. */
    public TokenStoreException(String message, boolean transientFailure, Duration retryAfter, Throwable cause) {
        this(message, transientFailure, retryAfter, cause, false);
    }

    /** @param mayHaveApplied the store cannot tell whether the vault applied the request ({@link #mayHaveApplied()}) */
    public TokenStoreException(String message, boolean transientFailure, Duration retryAfter, Throwable cause,
            boolean mayHaveApplied) {
        super(message, cause);
        this.transientFailure = transientFailure;
        this.retryAfter = retryAfter;
        this.mayHaveApplied = mayHaveApplied;
    }

    /**
     * Whether the vault may have applied the request after all, in this attempt or an earlier one: no answer came (a
     * timeout, a broken connection) or a gateway answered in the vault's place (500, 502, 504). A vault's own refusal
     * (4xx, 503 throttling) and a request never sent applied nothing. A write failing so may still land later.
     */
    public boolean mayHaveApplied() {
        return mayHaveApplied;
    }

    /** This failure, after an earlier attempt of the same operation that may have been applied. */
    TokenStoreException afterUnansweredAttempt() {
        return mayHaveApplied ? this
                : new TokenStoreException(getMessage(), transientFailure, retryAfter, getCause(), true);
    }

    public boolean isTransient() {
        return transientFailure;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * Why a token-store call failed, fit for a log line: a {@code TokenStoreException}'s own message (which by
     * contract names no token), else only the failure's class, whose message could quote what was sent.
     */
    public static String describe(Throwable failure) {
        if (failure instanceof TokenStoreException e) {
            return e.getMessage();
        }
        if (failure instanceof io.smallrye.mutiny.TimeoutException) {
            return "no answer within the caller's wait";
        }
        return failure.getClass().getName();
    }
}
