package dev.oauthrefresher.tokenstore;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Optional;

/**
 * Where integrations' tokens live: one entry per integration, named by {@code integration.secret_name}.
 * Implementations are non-blocking; failures surface as a failed {@link Uni} with a
 * {@link TokenStoreException} that carries no token.
 */
public interface TokenStore {

    /** The stored tokens and the store's version of them, or empty if nothing is stored under the name. */
    Uni<Optional<Versioned>> load(String secretName);

    /**
     * Stores {@code tokens} as the newest version under the name and returns that version's id. The
     * write is durable when the {@link Uni} completes.
     */
    Uni<String> save(String secretName, TokenSet tokens);

    /**
     * The longest one {@link #load} or {@link #save} can take, retries included; the refresh pipeline sizes its
     * leases by it. Zero for a store that answers at once.
     */
    default Duration worstCase() {
        return Duration.ZERO;
    }

    /**
     * Removes everything stored under the name, so the tokens can no longer be read from the store. Completes
     * normally when nothing was stored, so a repeated disconnect is harmless.
     */
    Uni<Void> delete(String secretName);

    /** A cheap round trip for the readiness check. */
    Uni<Void> ping();

    /** Stored tokens with the store's id of that version. */
    record Versioned(TokenSet tokens, String version) {
    }
}
