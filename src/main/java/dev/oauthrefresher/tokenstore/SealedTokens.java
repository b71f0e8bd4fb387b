package dev.oauthrefresher.tokenstore;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The sealed layout's storage: integrations' token documents sealed by the key ring in PostgreSQL, one per integration
 * whose location is {@link SecretRef#DATABASE}. Implemented beside its table (package {@code tokenstore.sealed}, which
 * needs the key ring, itself a user of this package); {@link LocatedTokenStore} routes to it, its reads grouped by
 * {@link SealedReads}. Blocking: each method is one statement in its own transaction, so callers reach it from a worker
 * thread.
 */
public interface SealedTokens {

    /**
     * The tokens sealed for {@code integrationId} and their version, or empty if none are stored.
     *
     * @throws TokenStoreException a value this replica's key ring cannot open (never flips the row: see the implementation)
     */
    default Optional<TokenStore.Versioned> load(UUID integrationId) {
        Stored stored = readAll(List.of(integrationId)).get(integrationId);
        return stored == null ? Optional.empty() : Optional.of(open(integrationId, stored));
    }

    /**
     * The sealed documents of {@code integrationIds}, still sealed, in one statement; an integration without one is
     * absent from the map. What {@link SealedReads} groups the refreshes' reads into.
     *
     * @throws TokenStoreException the database did not answer (transient)
     */
    Map<UUID, Stored> readAll(Collection<UUID> integrationIds);

    /**
     * Opens what {@link #readAll} read for {@code integrationId}: in memory, no statement.
     *
     * @throws TokenStoreException a value this replica's key ring cannot open (never flips the row: see the implementation)
     */
    TokenStore.Versioned open(UUID integrationId, Stored stored);

    /**
     * Seals and stores {@code tokens} as the integration's newest version, returning it. With a {@code leaseOwner} the
     * write lands only while that owner holds the row; without one, only while the row exists.
     *
     * @throws TokenStoreException the row is gone or held by someone else (not transient); nothing was written
     */
    String save(UUID integrationId, TokenSet tokens, Optional<String> leaseOwner);

    /** Deletes the integration's sealed tokens, fenced as {@link #save} is; nothing stored is not a failure. */
    void delete(UUID integrationId, Optional<String> leaseOwner);

    /** A sealed document as read, and its version. */
    record Stored(byte[] value, long version) {
    }
}
