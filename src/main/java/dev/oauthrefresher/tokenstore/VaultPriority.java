package dev.oauthrefresher.tokenstore;

/**
 * Whom a token-store call serves, which decides its share of each vault's budget and how long it may wait for a
 * permit ({@link VaultLimiter}). The store as injected is {@link #ON_DEMAND}; only the refresh pipeline asks for
 * {@link #SCHEDULED} ({@link TokenStore#withPriority}), so a caller added later gets the bounded share by default.
 */
public enum VaultPriority {

    /** A run's reads and writes, and the retries of rotated tokens the store has not taken yet: served first. */
    SCHEDULED,

    /**
     * Everything a tenant or an operator asks for (registrations, reconnects, disconnects, access tokens, webhook
     * secrets, vault moves, manual refreshes): at most {@code on-demand-share} of the budget, and a shorter wait.
     */
    ON_DEMAND;

    /** The name in logs, messages and metric tags: {@code scheduled} or {@code on-demand}. */
    public String code() {
        return this == SCHEDULED ? "scheduled" : "on-demand";
    }
}
