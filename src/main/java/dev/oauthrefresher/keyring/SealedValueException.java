package dev.oauthrefresher.keyring;

import java.util.UUID;

/**
 * A sealed value that this replica's ring cannot open. The message names the row and, where the value says it, the key
 * id; never the value, its plaintext or a key. No cause is kept: a cipher's or a parser's message could describe either.
 */
public abstract sealed class SealedValueException extends RuntimeException
        permits SealedValueException.UnknownKeyId, SealedValueException.Tampered {

    private SealedValueException(String message) {
        super(message, null, false, false);
    }

    /**
     * Sealed with a key id the ring does not hold (yet): a replica that has not read a newly added key, or a key retired
     * too early. Worth trying again once the ring is read again.
     */
    public static final class UnknownKeyId extends SealedValueException {

        private final String keyId;

        UnknownKeyId(UUID associatedId, String keyId) {
            super("The value sealed for " + associatedId + " names key id '" + keyId + "', which this replica's key ring "
                    + "does not hold");
            this.keyId = keyId;
        }

        public String keyId() {
            return keyId;
        }
    }

    /**
     * Not a value any key of the ring sealed for this id: altered, truncated, or moved from another row. Trying again
     * gets the same answer.
     */
    public static final class Tampered extends SealedValueException {

        Tampered(UUID associatedId) {
            super("The value sealed for " + associatedId + " does not open: altered, truncated or sealed for another row");
        }
    }
}
