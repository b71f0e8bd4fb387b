package dev.oauthrefresher.tokenstore;

import java.util.Optional;
import java.util.UUID;

/**
 * The sealed layout's storage: integrations' token documents sealed by the key ring in PostgreSQL, one per integration
 * whose location is {@link SecretRef#DATABASE}. Implemented beside its table (package {@code tokenstore.sealed}, which
 * needs the key ring, itself a user of this package); {@link LocatedTokenStore} routes to it. Blocking: each method is
 * one statement in its own transaction, so callers reach it from a worker thread.
 */
public interface SealedTokens {

    /**
     * The tokens sealed for {@code integrationId} and their version, or empty if none are stored.
     *
     * @throws TokenStoreException a value this replica's key ring cannot open (never flips the row: see the implementation)
     */
    Optional<TokenStore.Versioned> load(UUID integrationId);

    /**
     * Seals and stores {@code tokens} as the integration's newest version, returning it. With a {@code leaseOwner} the
     * write lands only while that owner holds the row; without one, only while the row exists.
     *
     * @throws TokenStoreException the row is gone or held by someone else (not transient); nothing was written
     */
    String save(UUID integrationId, TokenSet tokens, Optional<String> leaseOwner);

    /** Deletes the integration's sealed tokens, fenced as {@link #save} is; nothing stored is not a failure. */
    void delete(UUID integrationId, Optional<String> leaseOwner);
}
