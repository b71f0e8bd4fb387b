package dev.oauthrefresher.tokenstore;

import java.time.Duration;

/**
 * This replica's budget for a vault has no permit for the call within its priority's bound ({@link VaultLimiter}):
 * nothing was sent. Transient, with {@link #retryAfter()} set to when a permit would be within the bound again; the
 * store does not retry it. Callers answering a request map it to 503 {@code vault-budget}; a run defers the row, as it
 * does for a vault that throttles.
 */
public class VaultBudgetExhaustedException extends TokenStoreException {

    private final VaultPriority priority;

    VaultBudgetExhaustedException(String vault, VaultPriority priority, Duration bound, Duration retryAfter) {
        this("No Key Vault request permit for vault '" + vault + "' within the " + priority.code()
                + " bound of " + bound.toMillis() + " ms (this replica's budget is spent for now); nothing was sent, retry "
                + "after " + retryAfter.toMillis() + " ms.", priority, retryAfter, false);
    }

    private VaultBudgetExhaustedException(String message, VaultPriority priority, Duration retryAfter, boolean mayHaveApplied) {
        super(message, true, retryAfter, null, mayHaveApplied);
        this.priority = priority;
    }

    /** Still a refused permit (callers answer it as one), now remembering that an earlier attempt may have landed. */
    @Override
    TokenStoreException afterUnansweredAttempt() {
        return mayHaveApplied() ? this
                : new VaultBudgetExhaustedException(getMessage(), priority, retryAfter().orElse(null), true);
    }

    public VaultPriority priority() {
        return priority;
    }
}
